import { describe, expect, it } from "vitest";
import { dataFrameToString, formatFloatColumn, pyFixed, pyRepr, pyReprString } from "../../environments/travelplanner/format.js";
import { parsePyLiteral } from "../../environments/travelplanner/pyLiteral.js";
import { parseCsvTable } from "../../environments/travelplanner/csvTable.js";
import { parseQueriesCsv } from "../../environments/travelplanner/queries.js";

describe("pyFixed (Python format '.6f')", () => {
  it("rounds exact binary ties to even, unlike toFixed", () => {
    // 0.0078125 = 1/128 is an exact tie at 6 decimals; Python gives 0.007812, toFixed 0.007813.
    expect((0.0078125).toFixed(6)).toBe("0.007813");
    expect(pyFixed(0.0078125, 6)).toBe("0.007812");
    expect(pyFixed(0.0234375, 6)).toBe("0.023438"); // 3/128: odd last kept digit rounds up
    expect(pyFixed(-0.0078125, 6)).toBe("-0.007812");
  });
  it("keeps ordinary rounding and signs", () => {
    expect(pyFixed(42.2773242, 6)).toBe("42.277324");
    expect(pyFixed(-89.08814249999999, 6)).toBe("-89.088142");
    expect(pyFixed(-0, 6)).toBe("-0.000000");
    expect(pyFixed(2.5, 0)).toBe("2");
  });
});

describe("float columns (pandas FloatArrayFormatter)", () => {
  it("trims trailing zeros uniformly per column, keeping one decimal", () => {
    expect(formatFloatColumn([1049, 712])).toEqual(["1049.0", "712.0"]);
    expect(formatFloatColumn([4.9, 4.25])).toEqual(["4.90", "4.25"]);
    expect(formatFloatColumn([35.944, 42.2773242])).toEqual(["35.944000", "42.277324"]);
    expect(formatFloatColumn([1.5, null])).toEqual(["1.5", "NaN"]);
  });
  it("switches to scientific notation for tiny values and for long large ones", () => {
    expect(formatFloatColumn([0.0000001, 1])).toEqual(["1.000000e-07", "1.000000e+00"]);
    expect(formatFloatColumn([12345678.123456])).toEqual(["1.234568e+07"]);
    expect(formatFloatColumn([1234567.5])).toEqual(["1234567.5"]);
  });
});

describe("dataFrameToString (to_string(index=False))", () => {
  it("reproduces the spec's flight example", () => {
    const text = dataFrameToString([
      { name: "Flight Number", dtype: "string", values: ["F3573659"] },
      { name: "Price", dtype: "int", values: [474] },
      { name: "DepTime", dtype: "string", values: ["15:40"] },
      { name: "ArrTime", dtype: "string", values: ["17:04"] },
      { name: "ActualElapsedTime", dtype: "string", values: ["2 hours 24 minutes"] },
      { name: "FlightDate", dtype: "string", values: ["2022-03-16"] },
      { name: "OriginCityName", dtype: "string", values: ["St. Petersburg"] },
      { name: "DestCityName", dtype: "string", values: ["Rockford"] },
      { name: "Distance", dtype: "float", values: [1049] },
    ]);
    expect(text).toBe(
      "Flight Number  Price DepTime ArrTime  ActualElapsedTime FlightDate OriginCityName DestCityName  Distance\n" +
        "     F3573659    474   15:40   17:04 2 hours 24 minutes 2022-03-16 St. Petersburg     Rockford    1049.0",
    );
  });
  it("escapes control characters and counts width in code points", () => {
    const text = dataFrameToString([{ name: "Name", dtype: "string", values: ["a\nb", "😀"] }]);
    expect(text).toBe("Name\na\\nb\n   😀");
  });
});

describe("Python repr", () => {
  it("picks quotes like Python and escapes", () => {
    expect(pyReprString("plain")).toBe("'plain'");
    expect(pyReprString("Catfish Charlie's")).toBe('"Catfish Charlie\'s"');
    expect(pyReprString(`both ' and "`)).toBe(`'both \\' and "'`);
    expect(pyReprString("a\\b\n\t\x01")).toBe("'a\\\\b\\n\\t\\x01'");
  });
  it("prints lists, dicts and None", () => {
    expect(pyRepr([{ index: 0, "Short Description": "x", Content: null }])).toBe("[{'index': 0, 'Short Description': 'x', 'Content': None}]");
  });
  it("round-trips through the literal parser", () => {
    const value = [{ Description: "it's", Content: 'a "b"\nc\\d' }, null, true, ["x"]];
    expect(parsePyLiteral(pyRepr(value as never))).toEqual(value);
  });
});

describe("parsePyLiteral", () => {
  it("reads the official CSV literals", () => {
    expect(parsePyLiteral("['2022-03-13', '2022-03-14']")).toEqual(["2022-03-13", "2022-03-14"]);
    expect(parsePyLiteral("{'house rule': None, 'cuisine': ['Chinese', 'Italian'], 'room type': 'entire room', 'transportation': None}")).toEqual({
      "house rule": null,
      cuisine: ["Chinese", "Italian"],
      "room type": "entire room",
      transportation: null,
    });
    expect(parsePyLiteral("(1, 2.5, -3, 'a' 'b', u'\\u00e9', r'\\n')")).toEqual([1, 2.5, -3, "ab", "é", "\\n"]);
  });
  it("reports where it fails", () => {
    expect(() => parsePyLiteral("[1, 2")).toThrow(/offset 5/);
    expect(() => parsePyLiteral("__import__('os')")).toThrow(/unexpected character/);
  });
});

describe("CSV tables with pandas read_csv semantics", () => {
  it("infers dtypes, treats the default NA strings as missing and names empty headers", () => {
    const t = parseCsvTable(",a,b,c,d\n0,1,x,1.5,NA\n1,2,None,2,\n2,,y,3,n/a\n", "t.csv");
    expect(t.columns).toEqual(["Unnamed: 0", "a", "b", "c", "d"]);
    expect(t.dtypes).toEqual(["int", "float", "string", "float", "float"]); // a has a NaN, so float
    expect(t.data[1]).toEqual([1, 2, null]);
    expect(t.data[2]).toEqual(["x", null, "y"]);
    expect(t.dropna().rowCount).toBe(0);
  });
  it("keeps text columns verbatim even when they start with numbers", () => {
    const t = parseCsvTable("a,b\n1.50,x\n2,y\nthree,z\n", "t.csv");
    expect(t.dtypes[0]).toBe("string");
    expect(t.data[0]).toEqual(["1.50", "2", "three"]);
  });
  it("pads short rows with NA and rejects long ones with file and line", () => {
    const t = parseCsvTable('a,b,c\n1,"q, r"\n', "t.csv");
    expect(t.data[1]).toEqual(["q, r"]);
    expect(t.data[2]).toEqual([null]);
    expect(() => parseCsvTable("a,b\n1,2\n1,2,3\n", "t.csv")).toThrow(/t\.csv:3: expected 2 fields, saw 3/);
  });
});

describe("query CSV errors", () => {
  const header = "org,dest,days,visiting_city_number,date,people_number,local_constraint,budget,query,level\n";
  it("name the file, line and field", () => {
    const bad = header + `A,B,3,1,"['2022-03-01']",1,"{'house rule': 'pets', 'cuisine': 'Chinese'}",900,q,easy\n`;
    expect(() => parseQueriesCsv(bad, "q.csv")).toThrow(/^q\.csv:2 field "local_constraint\.cuisine": /);
    const level = header + `A,B,3,1,"['2022-03-01']",1,"{}",900,q,extreme\n`;
    expect(() => parseQueriesCsv(level, "q.csv")).toThrow(/^q\.csv:2 field "level": /);
  });
});
