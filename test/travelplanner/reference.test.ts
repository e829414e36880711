/**
 * The tools' tables against the official reference information, byte for byte: the validation CSV
 * holds the Content texts; train_ref_info.jsonl holds the same tables as records.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACCOMMODATION_COLUMNS, ATTRACTION_COLUMNS, FLIGHT_COLUMNS, RESTAURANT_COLUMNS, TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { loadQueries, referenceEntries } from "../../environments/travelplanner/queries.js";
import { buildReferenceEntries, referenceContent, referenceInformationText } from "../../environments/travelplanner/reference.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("TRAVELPLANNER_DATA");

describe.skipIf(!dir)("reference information rebuilt from the database", () => {
  let db: TravelPlannerDatabase;
  beforeAll(async () => {
    db = await TravelPlannerDatabase.load(dir!);
  });

  it("loads the official row counts (accommodations after dropna)", () => {
    expect(db.accommodations.rowCount).toBe(4285);
    expect(db.restaurants.rowCount).toBe(9551);
    expect(db.attractions.rowCount).toBe(5302);
    expect(db.distances.rowCount).toBe(17602);
    expect(db.flights.rowCount).toBe(2011);
    expect(db.citySet.length).toBe(311);
    expect(db.stateOfCity.size).toBe(312);
  });

  it("reproduces every validation Content byte for byte (flights: same text up to the subset's row order)", () => {
    const queries = loadQueries(join(dir!, "queries/validation.csv"));
    expect(queries).toHaveLength(180);
    let exact = 0, flightsReordered = 0, total = 0;
    const mismatches: string[] = [];
    for (const q of queries) {
      const entries = referenceEntries(q);
      expect(referenceInformationText(entries)).toBe(q.reference_information); // the repr round-trips too
      for (const e of entries) {
        total++;
        const got = referenceContent(db, e.Description);
        if (got === e.Content) {
          exact++;
          continue;
        }
        // The shared flights file is a subset whose row order is not the official one (README);
        // such a table must still match header, widths and rows exactly, in some order.
        const [gh, ...gr] = got.split("\n"), [eh, ...er] = e.Content.split("\n");
        if (e.Description.startsWith("Flight from") && gh === eh && JSON.stringify([...gr].sort()) === JSON.stringify([...er].sort())) {
          flightsReordered++;
        } else mismatches.push(`${q.idx}: ${e.Description}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(total).toBe(2700);
    expect(exact).toBeGreaterThan(2400);
    expect(exact + flightsReordered).toBe(total);
  });

  it("reproduces every train table as records, in order, with the official values", () => {
    const lines = readFileSync(join(dir!, "queries/train_ref_info.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(45);
    const columnsFor: [RegExp, readonly string[], (m: RegExpExecArray) => readonly number[]][] = [
      [/^Attractions in (.+)$/, ATTRACTION_COLUMNS, (m) => db.attractionRows(m[1]!)],
      [/^Restaurants in (.+)$/, RESTAURANT_COLUMNS, (m) => db.restaurantRows(m[1]!)],
      [/^Accommodations in (.+)$/, ACCOMMODATION_COLUMNS, (m) => db.accommodationRows(m[1]!)],
      [/^Flight from (.+) to (.+) on (.+)$/, FLIGHT_COLUMNS, (m) => db.flightRows(m[1]!, m[2]!, m[3]!)],
    ];
    let tables = 0, strings = 0;
    for (const line of lines) {
      const info = JSON.parse(line) as Record<string, unknown>;
      for (const [description, expected] of Object.entries(info)) {
        if (typeof expected === "string") {
          strings++;
          expect(referenceContent(db, description)).toBe(expected);
          continue;
        }
        const spec = columnsFor.find(([re]) => re.test(description));
        expect(spec, description).toBeDefined();
        const [re, columns, rowsOf] = spec!;
        const table = description.startsWith("Flight") ? db.flights : description.startsWith("Attractions") ? db.attractions : description.startsWith("Restaurants") ? db.restaurants : db.accommodations;
        const records = rowsOf(re.exec(description)!).map((r) => table.record(r, columns));
        const sortKey = (r: unknown) => JSON.stringify(r);
        if (description.startsWith("Flight")) expect(records.map(sortKey).sort()).toEqual((expected as unknown[]).map(sortKey).sort());
        else expect(records).toEqual(expected);
        tables++;
      }
    }
    expect(tables).toBeGreaterThan(150);
    expect(strings).toBeGreaterThan(100);
  });

  it("builds the sole-planning text from descriptions", () => {
    const entries = buildReferenceEntries(db, ["Self-driving from Washington to Myrtle Beach", "Taxi from Myrtle Beach to Washington"]);
    expect(referenceInformationText(entries)).toBe(
      "[{'Description': 'Self-driving from Washington to Myrtle Beach', 'Content': 'self-driving, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: 34'}, " +
        "{'Description': 'Taxi from Myrtle Beach to Washington', 'Content': 'taxi, from Myrtle Beach to Washington, duration: 6 hours 45 mins, distance: 693 km, cost: 693'}]",
    );
    expect(() => referenceContent(db, "Boats from A to B")).toThrow(/unknown reference description/);
  });
});

describe.skipIf(!dir)("queries", () => {
  it("reads the official validation CSV (Python literals) and the JSONL with the same fields alike", () => {
    const csv = loadQueries(join(dir!, "queries/validation.csv"));
    const jsonl = loadQueries(join(dir!, "queries/validation.jsonl"));
    expect(jsonl).toHaveLength(180);
    expect(csv.map(({ reference_information: _r, ...q }) => q)).toEqual(jsonl);
    expect(csv[0]!.date).toEqual(["2022-03-13", "2022-03-14", "2022-03-15"]);
    const hard = csv.find((q) => q.level === "hard" && q.local_constraint.cuisine)!;
    expect(Array.isArray(hard.local_constraint.cuisine)).toBe(true);
    expect(csv.map((q) => q.idx)).toEqual(Array.from({ length: 180 }, (_, i) => i + 1));
  });
});
