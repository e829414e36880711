import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.js";
import { applyGrammarVersion, loadGameFile, parseGame } from "../../environments/alfworld/game.js";
import { parseSExpressions } from "../../environments/alfworld/sexpr.js";
import { parseTwl2 } from "../../environments/alfworld/twl2.js";
import { displayNames } from "../../environments/alfworld/names.js";
import { kitchenData } from "./fixtures.js";

function tempGame(content: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "alfworld-"));
  const file = join(dir, "game.tw-pddl");
  writeFileSync(file, content);
  return { dir, file };
}

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(InputError.isInstance(err)).toBe(true);
    return err as InputError;
  }
  throw new Error("expected an error");
}

describe("loading game files", () => {
  it("loads a trial folder or its game.tw-pddl alike", () => {
    const { dir, file } = tempGame(JSON.stringify(kitchenData()));
    expect(loadGameFile(dir).gamefile).toBe(file);
    expect(loadGameFile(file).entities.names).toEqual(loadGameFile(dir).entities.names);
  });

  it("names the path of a missing game", () => {
    const err = errorOf(() => loadGameFile("/no/such/trial"));
    expect(err.message).toBe("/no/such/trial: no such game file or trial folder");
    const { dir } = tempGame("{}");
    expect(errorOf(() => loadGameFile(join(dir, "other.tw-pddl"))).message).toContain("other.tw-pddl");
  });

  it("reports invalid JSON with the file, line and column", () => {
    const { file } = tempGame('{\n  "pddl_domain": "x",\n  oops\n}');
    const err = errorOf(() => loadGameFile(file));
    expect(err.message).toMatch(new RegExp(`^${file}: invalid JSON at line 3, column 3$`));
    expect(err.file).toBe(file);
  });

  it("reports a missing field by name", () => {
    const { file } = tempGame(JSON.stringify({ pddl_domain: "", grammar: "" }));
    expect(errorOf(() => loadGameFile(file)).message).toBe(`${file} field "pddl_problem": expected a string`);
  });

  it("reports a PDDL syntax error with the file, the position and the part of the file", () => {
    const data = kitchenData();
    const broken = data.pddl_problem.replace("(atLocation agent1", "((atLocation agent1").replace(/\)\s*$/, "");
    const { file } = tempGame(JSON.stringify({ ...data, pddl_problem: broken }));
    const err = errorOf(() => loadGameFile(file));
    expect(err.message).toMatch(new RegExp(`^${file}: PDDL syntax error at line \\d+, column \\d+ \\(in pddl_problem\\): `));
    const stray = errorOf(() => parseSExpressions("(define (problem p))\n  )", { file: "x.pddl" }));
    expect(stray.message).toBe('x.pddl: PDDL syntax error at line 2, column 3: unexpected ")"');
    const open = errorOf(() => parseSExpressions("; comment\n(define (problem p)", { file: "x.pddl" }));
    expect(open.message).toBe('x.pddl: PDDL syntax error at line 2, column 1: "(" is never closed');
  });

  it("rejects an undeclared object and a problem without a goal", () => {
    const data = kitchenData();
    const undeclared = data.pddl_problem.replace("(pickupable Apple_bar__plus_01_dot_10)", "(pickupable Pear_bar_1)");
    expect(errorOf(() => parseGame({ ...data, pddl_problem: undeclared }, { file: "g" })).message).toContain('"pear_bar_1" appears in :init but is not declared');
    const noGoal = data.pddl_problem.replace(/\(:goal[\s\S]*$/, ")");
    expect(errorOf(() => parseGame({ ...data, pddl_problem: noGoal })).message).toContain("the problem has no :goal section");
  });

  it("reports grammar errors with their line", () => {
    expect(errorOf(() => parseTwl2('grammar :: """\n{ "a": [ }\n""";', { file: "g.twl2" })).message).toMatch(/^g\.twl2: grammar block starting at line 1 is not valid JSON/);
    expect(errorOf(() => parseTwl2('action x {\n  template :: "x";\n  oops\n}', { file: "g.twl2" })).message).toMatch(
      /^g\.twl2: grammar syntax error at line 4, column 1: expected "::"/,
    );
  });

  it("lower-cases PDDL like Fast Downward and keeps a stray comma in its token", () => {
    const [expr] = parseSExpressions("(Exists (?l - location, ?r - Receptacle))");
    expect(expr).toMatchObject({ kind: "list", items: [{ value: "exists" }, { kind: "list", items: [{ value: "?l" }, { value: "-" }, { value: "location," }, { value: "?r" }, { value: "-" }, { value: "receptacle" }] }] });
  });
});

describe("grammar versions", () => {
  it("patches 2.1.1 texts as ALFWorld 0.4+ does, and leaves them alone for 2.1.1", () => {
    const data = kitchenData();
    expect(applyGrammarVersion(data, "2.1.1")).toBe(data);
    const patched = applyGrammarVersion(data, "2.1.2");
    expect(patched.grammar).toContain('template :: "move {o} to {r}"');
    expect(patched.grammar).not.toContain("put {o} in/on {r}");
    expect(patched.grammar).toContain("You arrive at {r.name}.");
    expect(patched.pddl_domain.trimEnd().endsWith(")\n)")).toBe(true);
    expect(parseGame(data).actions.has("help")).toBe(true);
    expect(parseGame(data, { grammarVersion: "2.1.1" }).actions.has("help")).toBe(false);
  });

  it("rejects an unknown version", () => {
    expect(() => parseGame(kitchenData(), { grammarVersion: "3.0" as "2.1.1" })).toThrow(/unknown grammar version "3.0"/);
  });
});

describe("display names", () => {
  it("follows ALFWorld's demangler", () => {
    const ids = ["agent1", "cabinet_bar__minus_01", "cabinet_bar__plus_01", "loc_bar_1", "loc_bar_2", "sink_bar_1_bar_sinkbasin", "sink_bar_2", "cabinettype"].sort();
    expect(Object.fromEntries(ids.map((id, i) => [id, displayNames(ids)[i]]))).toEqual({
      agent1: "agent1 ",
      cabinet_bar__minus_01: "cabinet 2",
      cabinet_bar__plus_01: "cabinet 1",
      cabinettype: "cabinettype ",
      loc_bar_1: "loc 2",
      loc_bar_2: "loc 1",
      sink_bar_1_bar_sinkbasin: "sinkbasin 1",
      sink_bar_2: "sink 1",
    });
  });
});

describe("domains", () => {
  it("refuses an action the engine does not implement, or one with other parameters", () => {
    const data = kitchenData();
    const extra = data.pddl_domain.replace(/\)\s*$/, "(:action dance :parameters (?a - agent) :precondition () :effect (and (checked ?a))))");
    expect(() => parseGame({ ...data, pddl_domain: extra }, { file: "g" })).toThrow('g field "pddl_domain": the domain defines the action "dance", which the engine does not implement');
    const reordered = data.pddl_domain.replace("(?a - agent ?l - location ?o - object ?r - receptacle)", "(?a - agent ?o - object ?l - location ?r - receptacle)");
    expect(reordered).not.toBe(data.pddl_domain);
    expect(() => parseGame({ ...data, pddl_domain: reordered })).toThrow(/action "pickupobject" has parameters \(agent, object, location, receptacle\)/);
  });

  it("reads which receptacle types can clean from the domain", () => {
    const game = parseGame(kitchenData());
    expect([...game.cleaningTypes].map((t) => game.entities.ids[t])).toEqual(["sinkbasintype"]);
  });
});

describe("goals", () => {
  it("refuses a goal with a variable no quantifier introduces", () => {
    const data = kitchenData("(inReceptacle ?o Fridge_bar__plus_02_dot_00)");
    expect(() => parseGame(data, { file: "g" })).toThrow('g field "pddl_problem": the goal uses ?o, which no quantifier introduces');
  });

  it("evaluates forall, or and imply", () => {
    const closedEverything = "(forall (?r - receptacle) (not (opened ?r)))";
    const g = parseGame(kitchenData(closedEverything));
    expect(g.goal(g.initialFacts)).toBe(true);
    const either = parseGame(kitchenData("(or (isHot Apple_bar__plus_01_dot_10) (inReceptacle Apple_bar__plus_01_dot_10 CounterTop_bar__plus_01_dot_00))"));
    expect(either.goal(either.initialFacts)).toBe(true);
    const implied = parseGame(kitchenData("(imply (isHot Apple_bar__plus_01_dot_10) (isCool Apple_bar__plus_01_dot_10))"));
    expect(implied.goal(implied.initialFacts)).toBe(true);
    const unknown = parseGame(kitchenData("(exists (?o - object) (objectType ?o PearType))"));
    expect(unknown.goal(unknown.initialFacts)).toBe(false);
  });
});
