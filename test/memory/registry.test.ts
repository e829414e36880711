import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { MemoryBank } from "../../memory/bank.js";
import { buildPolicyNames, getBuildPolicy, registerBuildPolicy } from "../../memory/build/policies.js";
import { buildMemory } from "../../memory/build/runner.js";
import type { BuildPolicy } from "../../memory/build/types.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { registerRetrievePolicy, retrieveMemory, retrievePolicyNames, resolveRetrieval, type RetrievePolicy } from "../../memory/retrieve/index.js";
import { MemorySession } from "../../memory/session.js";
import { BUILD_KINDS, entryId } from "../../memory/types.js";
import { registerUpdatePolicy, updateMemory, updatePolicyNames, UPDATE_POLICIES, type FinishedTask, type UpdatePolicy } from "../../memory/update/index.js";
import { RETRIEVE_POLICIES } from "../../memory/retrieve/types.js";
import { makeEntry, tempDir } from "./helpers.js";

// The registries are module state: every policy registered here has a name of its own.

const embeddings = () => {
  const e = new LocalHashEmbeddings();
  return { embeddings: e, id: e.id };
};
const openBank = (dir = tempDir("memp-registry-")) => MemoryBank.open(dir, { embeddings: embeddings() });
const run = (task: string, success = true) => ({ task, success, steps: [{ action: `take ${task}`, observation: "ok" }, { action: "go to shelf 1", observation: "done" }] });
const finished = (task: string, success = true, retrieved: string[] = []): FinishedTask => ({ trajectory: run(task, success), success, retrieved, source: `test:${task}` });

/** A build policy without a model: the run's actions, shouted, as the script. */
const shout = (name: string, mark = ""): BuildPolicy => ({
  name,
  needsModel: false,
  async build(trajectory) {
    return { script: trajectory.steps.map((s, i) => `${i + 1}. ${s.action.toUpperCase()}${mark}`).join("\n"), trajectory: null };
  },
});

/** A retrieval policy that shows the most recently added entries, newest first. */
const newest = (name: string): RetrievePolicy => ({
  name,
  async retrieve(request, { bank }) {
    const entries = (await bank.store.list()).filter((e) => !request.exclude?.(e));
    return entries.slice(-request.k).reverse().map((entry) => ({ entry, score: null }));
  },
});

/** An update policy that keeps the failures only (to learn what not to do). */
const failuresOnly = (name: string): UpdatePolicy => ({
  name,
  needsModel: false,
  plan: (batch, succeeded) => ({ add: batch.filter((t) => !succeeded(t)), reflect: [] }),
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ConfigError.isInstance(err), `expected a ConfigError, got ${String(err)}`).toBe(true);
  return err as Error;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(ConfigError.isInstance(err), `expected a ConfigError, got ${String(err)}`).toBe(true);
    return err as Error;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

describe("registerBuildPolicy", () => {
  it("a registered build policy builds entries of its kind for buildMemory, updateMemory and MemorySession", async () => {
    registerBuildPolicy(shout("shout"));
    expect(buildPolicyNames()).toEqual([...BUILD_KINDS, "shout"]);
    expect(getBuildPolicy("shout").name).toBe("shout");

    const dir = tempDir("memp-registry-");
    const bank = await openBank(dir);
    const summary = await buildMemory(bank, [{ trajectory: run("put a mug on the shelf"), source: "runs.jsonl:1" }], { kind: "shout", progress: false });
    expect(summary).toMatchObject({ built: 1, skipped: 0, failed: [], ids: [entryId("shout", "put a mug on the shelf")] });
    const built = (await bank.store.get(entryId("shout", "put a mug on the shelf")))!;
    expect(built).toMatchObject({ kind: "shout", script: "1. TAKE PUT A MUG ON THE SHELF\n2. GO TO SHELF 1", trajectory: null });
    expect(built.provenance.source).toBe("runs.jsonl:1");

    // New entries of an update are built by it too.
    const report = await updateMemory(bank, [finished("put a pan on the shelf")], { policy: "vanilla", buildKind: "shout" });
    expect(report.added).toEqual([entryId("shout", "put a pan on the shelf")]);
    expect((await bank.store.get(entryId("shout", "put a pan on the shelf")))!.script).toBe("1. TAKE PUT A PAN ON THE SHELF\n2. GO TO SHELF 1");

    // And by a session's commit.
    const session = new MemorySession({ bank, retrieval: { k: 1 }, update: { buildKind: "shout" } });
    const ticket = await session.retrieve("put a cup on the shelf");
    session.record(ticket, { trajectory: run("put a cup on the shelf"), success: true });
    expect((await session.commit()).added).toEqual([entryId("shout", "put a cup on the shelf")]);
    await bank.close();

    // An entry of a registered kind is a valid entry: the memory reopens with it.
    const again = await MemoryBank.open(dir, { embeddings: embeddings(), readOnly: true });
    expect((await again.store.list()).map((e) => e.kind)).toEqual(["shout", "shout", "shout"]);
    await again.close();
  });

  it("an unknown build policy is one ConfigError that lists the known ones, registered ones included", async () => {
    registerBuildPolicy(shout("whisper"));
    const expected = `unknown build policy "nope"; expected one of ${[...BUILD_KINDS, ...buildPolicyNames().slice(BUILD_KINDS.length)].join(", ")}`;
    expect(expected).toContain(", whisper");
    expect(thrown(() => getBuildPolicy("nope")).message).toBe(expected);
    const bank = await openBank();
    expect((await rejection(buildMemory(bank, [{ trajectory: run("t"), source: "s" }], { kind: "nope", progress: false }))).message).toBe(expected);
    expect((await rejection(updateMemory(bank, [finished("t")], { policy: "vanilla", buildKind: "nope" }))).message).toBe(expected);
    expect(await bank.store.size()).toBe(0);
    await bank.close();
  });

  it("a name already taken is refused unless { replace: true }, and the replacement is what builds", async () => {
    registerBuildPolicy(shout("murmur", " (first)"));
    const refused = thrown(() => registerBuildPolicy(shout("murmur", " (second)")));
    expect(refused.message).toBe('a build policy named "murmur" is already registered (pass { replace: true } to replace it)');
    expect(thrown(() => registerBuildPolicy({ ...shout("x"), name: "trajectory" })).message).toMatch(/"trajectory" is already registered/);
    expect(thrown(() => registerBuildPolicy(shout("not a name"))).message).toMatch(/needs a name of letters, digits/);

    const bank = await openBank();
    await buildMemory(bank, [{ trajectory: run("a"), source: "s" }], { kind: "murmur", progress: false });
    expect((await bank.store.get(entryId("murmur", "a")))!.script).toMatch(/\(first\)$/);
    registerBuildPolicy(shout("murmur", " (second)"), { replace: true });
    await buildMemory(bank, [{ trajectory: run("b"), source: "s" }], { kind: "murmur", progress: false });
    expect((await bank.store.get(entryId("murmur", "b")))!.script).toMatch(/\(second\)$/);
    // The built-in policies are untouched.
    expect(getBuildPolicy("trajectory").needsModel).toBe(false);
    await bank.close();
  });
});

describe("registerRetrievePolicy", () => {
  it("a registered retrieval policy is what retrieveMemory and MemorySession use", async () => {
    registerRetrievePolicy(newest("newest"));
    expect(retrievePolicyNames()).toEqual([...RETRIEVE_POLICIES, "newest"]);
    const bank = await openBank();
    await bank.add(["heat an egg", "cool a mug", "clean a knife"].map((t) => makeEntry(t)));

    const hits = await retrieveMemory(bank, "newest", { task: "heat an egg", k: 2 });
    expect(hits.map((h) => [h.entry.task, h.score])).toEqual([
      ["clean a knife", null],
      ["cool a mug", null],
    ]);
    // The usual checks still run first.
    await expect(retrieveMemory(bank, "newest", { task: "heat an egg", k: 0 })).rejects.toThrow(/k must be a positive integer/);

    const session = new MemorySession({ bank, retrieval: { policy: "newest", k: 1 } });
    const ticket = await session.retrieve("heat an egg", { exclude: (e) => e.task === "clean a knife" });
    expect(ticket.retrieved.map((r) => r.entry.task)).toEqual(["cool a mug"]);
    expect(ticket.guidelines).toContain("cool a mug");
    await bank.close();
  });

  it("a registered policy that reads facts gets the caller's, and needs a model to extract them otherwise", async () => {
    const seen: Array<Record<string, string> | undefined> = [];
    registerRetrievePolicy({
      name: "by-object",
      needsFacts: true,
      async retrieve(request, { bank }) {
        seen.push(request.facts);
        const entries = await bank.store.list();
        return entries.filter((e) => e.task.includes(request.facts?.object ?? "\u0000")).slice(0, request.k).map((entry) => ({ entry, score: 1 }));
      },
    });
    const bank = await openBank();
    await bank.add(["heat an egg", "cool a mug"].map((t) => makeEntry(t)));
    expect(thrown(() => resolveRetrieval({ policy: "by-object" })).message).toMatch(/"by-object" retrieval policy needs a model/);
    expect(() => new MemorySession({ bank, retrieval: { policy: "by-object" } })).toThrow(/needs a model/);
    const hits = await retrieveMemory(bank, "by-object", { task: "warm a drink", k: 1, facts: { object: "mug" } });
    expect(hits.map((h) => h.entry.task)).toEqual(["cool a mug"]);

    // A session extracts the facts with its model when the caller has none, and passes the caller's otherwise.
    const model = fakeModel().respond(new AIMessage('{"facts": {"object": "egg"}}'));
    const session = new MemorySession({ bank, retrieval: { policy: "by-object", k: 1, model } });
    expect((await session.retrieve("warm some food")).retrieved.map((r) => r.entry.task)).toEqual(["heat an egg"]);
    expect(model.callCount).toBe(1);
    expect((await session.retrieve("warm some food", { facts: { object: "mug" } })).retrieved.map((r) => r.entry.task)).toEqual(["cool a mug"]);
    expect(model.callCount).toBe(1);
    expect(seen).toEqual([{ object: "mug" }, { object: "egg" }, { object: "mug" }]);
    await bank.close();
  });

  it("unknown names are one ConfigError listing the known ones; a name already taken is refused unless { replace: true }", async () => {
    registerRetrievePolicy(newest("latest"));
    const expected = `unknown retrieval policy "nope"; expected one of ${retrievePolicyNames().join(", ")}`;
    expect(retrievePolicyNames()).toEqual(expect.arrayContaining([...RETRIEVE_POLICIES, "latest"]));
    const bank = await openBank();
    await bank.add([makeEntry("heat an egg")]);
    expect((await rejection(retrieveMemory(bank, "nope", { task: "t", k: 1 }))).message).toBe(expected);
    expect(thrown(() => new MemorySession({ bank, retrieval: { policy: "nope" } })).message).toBe(expected);
    expect(thrown(() => resolveRetrieval({ policy: "nope" })).message).toBe(expected);

    expect(thrown(() => registerRetrievePolicy(newest("latest"))).message).toBe(
      'a retrieval policy named "latest" is already registered (pass { replace: true } to replace it)',
    );
    expect(thrown(() => registerRetrievePolicy(newest("query"))).message).toMatch(/"query" is already registered/);
    registerRetrievePolicy({ name: "latest", retrieve: async () => [] }, { replace: true });
    expect(await retrieveMemory(bank, "latest", { task: "heat an egg", k: 1 })).toEqual([]);
    // The built-in query policy still answers.
    expect((await retrieveMemory(bank, "query", { task: "heat an egg", k: 1 }))[0]!.entry.task).toBe("heat an egg");
    await bank.close();
  });
});

describe("registerUpdatePolicy", () => {
  it("a registered update policy decides what updateMemory and a session's commit add, and names itself in the log", async () => {
    registerUpdatePolicy(failuresOnly("failures"));
    expect(updatePolicyNames()).toEqual([...UPDATE_POLICIES, "failures"]);
    const bank = await openBank();
    const seeded = makeEntry("heat an egg");
    await bank.add([seeded]);

    const report = await updateMemory(bank, [finished("cool a mug", true, [seeded.id]), finished("clean a knife", false, [seeded.id])], { policy: "failures" });
    expect(report.policy).toBe("failures");
    expect(report.added).toEqual([entryId("trajectory", "clean a knife")]);
    // Book-keeping is the same for every policy.
    expect(report.stats).toEqual([{ id: seeded.id, hits: 2, successes: 1 }]);
    expect(((await bank.store.readLog("updates")).at(-1) as { policy: string }).policy).toBe("failures");

    const session = new MemorySession({ bank, update: { policy: "failures" } });
    session.record({ task: "slice a bread", retrieved: [] }, { trajectory: run("slice a bread", true), success: true });
    session.record({ task: "wash a plate", retrieved: [] }, { trajectory: run("wash a plate", false), success: false });
    const committed = await session.commit();
    expect(committed.policy).toBe("failures");
    expect(committed.added).toEqual([entryId("trajectory", "wash a plate")]);
    expect(await bank.store.has(entryId("trajectory", "slice a bread"))).toBe(false);
    await bank.close();
  });

  it("a registered policy that needs a model is refused without one", async () => {
    registerUpdatePolicy({ name: "reflect-all", needsModel: true, plan: (batch) => ({ add: [], reflect: [...batch] }) });
    const bank = await openBank();
    expect((await rejection(updateMemory(bank, [finished("t", false)], { policy: "reflect-all" }))).message).toMatch(/the reflect-all policy rewrites entries with a chat model/);
    expect(await bank.store.readLog("updates")).toEqual([]);
    await bank.close();
  });

  it("unknown names are one ConfigError listing the known ones; a name already taken is refused unless { replace: true }", async () => {
    registerUpdatePolicy(failuresOnly("keep-failures"));
    const expected = `unknown update policy "nope"; expected one of ${updatePolicyNames().join(", ")}`;
    expect(updatePolicyNames()).toEqual(expect.arrayContaining([...UPDATE_POLICIES, "keep-failures"]));
    const bank = await openBank();
    expect((await rejection(updateMemory(bank, [finished("t")], { policy: "nope" }))).message).toBe(expected);
    expect(thrown(() => new MemorySession({ bank, update: { policy: "nope" } })).message).toBe(expected);
    const session = new MemorySession({ bank });
    session.record({ task: "t", retrieved: [] }, { trajectory: run("t"), success: true });
    expect((await rejection(session.commit({ policy: "nope" }))).message).toBe(expected);
    expect(await bank.store.size()).toBe(0);

    expect(thrown(() => registerUpdatePolicy(failuresOnly("keep-failures"))).message).toMatch(
      /^an? update policy named "keep-failures" is already registered \(pass \{ replace: true \} to replace it\)$/,
    );
    expect(thrown(() => registerUpdatePolicy(failuresOnly("vanilla"))).message).toMatch(/"vanilla" is already registered/);
    // Replaced by one that keeps everything.
    registerUpdatePolicy({ name: "keep-failures", needsModel: false, plan: (batch) => ({ add: [...batch], reflect: [] }) }, { replace: true });
    const report = await updateMemory(bank, [finished("a", true), finished("b", false)], { policy: "keep-failures" });
    expect(report.added).toEqual([entryId("trajectory", "a"), entryId("trajectory", "b")]);
    // The built-in vanilla policy is untouched.
    expect((await updateMemory(bank, [finished("c", false)], { policy: "vanilla" })).added).toEqual([entryId("trajectory", "c")]);
    await bank.close();
  });
});
