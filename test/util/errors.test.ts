import { describe, expect, it } from "vitest";
import { CorruptFileError, InputError, MempError } from "../../src/errors.js";
import { parseJsonl } from "../../src/util/jsonl.js";

describe("errors", () => {
  it("name the file, line and field", () => {
    const err = new InputError("expected a string", { file: "a.jsonl", line: 3, field: "task" });
    expect(err.message).toBe('a.jsonl:3 field "task": expected a string');
    expect(MempError.isInstance(err)).toBe(true);
    expect(InputError.isInstance(err)).toBe(true);
    expect(CorruptFileError.isInstance(err)).toBe(false);
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
