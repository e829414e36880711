import { describe, expect, it } from "vitest";
import { EpisodeOverError } from "../../chains/episode.js";
import { GrammarError } from "../../environments/alfworld/query.js";
import { ClosedError, ConfigError, CorruptFileError, InputError, MempError, ReadOnlyError, StateError } from "../../core/errors.js";
import { UsageError } from "../../src/cli/run.js";
import { DownloadError } from "../../src/data/download.js";
import { parseJsonl } from "../../core/util/jsonl.js";

describe("errors", () => {
  it("name the file, line and field", () => {
    const err = new InputError("expected a string", { file: "a.jsonl", line: 3, field: "task" });
    expect(err.message).toBe('a.jsonl:3 field "task": expected a string');
    expect(MempError.isInstance(err)).toBe(true);
    expect(InputError.isInstance(err)).toBe(true);
    expect(CorruptFileError.isInstance(err)).toBe(false);
  });
});

describe("typed errors", () => {
  it("each class answers isInstance for itself and its subclasses only, never for a sibling", () => {
    const input = new InputError("x");
    for (const sibling of [GrammarError, DownloadError, UsageError, CorruptFileError, ConfigError, StateError]) expect(sibling.isInstance(input)).toBe(false);
    expect(GrammarError.isInstance(new GrammarError("g"))).toBe(true);
    expect(MempError.isInstance(new GrammarError("g"))).toBe(true);
    expect(StateError.isInstance(new ReadOnlyError("/m"))).toBe(true);
    expect(ReadOnlyError.isInstance(new ClosedError("/m"))).toBe(false);
    expect(InputError.isInstance(new ReadOnlyError("/m"))).toBe(false);
    expect(StateError.isInstance(new EpisodeOverError("over"))).toBe(true);
    expect(MempError.isInstance(new Error("plain"))).toBe(false);
  });

  it("works across module copies: the marker is data, not the prototype", () => {
    const copy = JSON.parse(JSON.stringify({})) as object;
    const original = new InputError("x");
    for (const key of Object.getOwnPropertySymbols(original)) (copy as Record<symbol, unknown>)[key] = (original as unknown as Record<symbol, unknown>)[key];
    expect(InputError.isInstance(copy)).toBe(true);
    expect(CorruptFileError.isInstance(copy)).toBe(false);
  });

  it("every error class declares its own kind and its own check, which also work unbound", async () => {
    const modules = [await import("../../core/errors.js"), await import("../../src/index.js"), { GrammarError, DownloadError, UsageError, EpisodeOverError }];
    const classes = new Set(modules.flatMap((m) => Object.values(m)).filter((v): v is typeof MempError => typeof v === "function" && (v === MempError || v.prototype instanceof MempError)));
    expect(classes.size).toBeGreaterThan(10);
    const kinds = new Set<string>();
    for (const cls of classes) {
      expect(Object.hasOwn(cls, "kind"), cls.name).toBe(true);
      expect(Object.hasOwn(cls, "isInstance"), cls.name).toBe(true);
      kinds.add(cls.kind);
    }
    expect(kinds.size).toBe(classes.size);
    expect([new InputError("a"), new ConfigError("b")].filter(InputError.isInstance)).toHaveLength(1);
  });

  it("carry the data a caller needs", () => {
    const cause = new Error("EACCES");
    const err = new InputError("cannot read", { file: "a.jsonl", line: 2, field: "task", cause });
    expect([err.file, err.line, err.field, err.cause]).toEqual(["a.jsonl", 2, "task", cause]);
    expect(new ReadOnlyError("/mem").path).toBe("/mem");
  });
});

describe("parseJsonl", () => {
  it("skips blank lines and keeps line numbers", () => {
    const recs = parseJsonl('{"a":1}\n\n{"b":2}\n', "f.jsonl");
    expect(recs.map((r) => r.line)).toEqual([1, 3]);
  });

  it("reports the line of invalid JSON and flags truncation", () => {
    expect(() => parseJsonl('{"a":1}\n{"b":', "f.jsonl")).toThrow(/f\.jsonl:2: invalid JSON \(the file looks truncated\)/);
    expect(() => parseJsonl('{"a":1}\n{"b":', "f.jsonl", "store")).toThrow(CorruptFileError);
  });
});
