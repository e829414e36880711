/**
 * The TravelPlanner sandbox database, loaded from the official `database/` layout with the
 * semantics of the official loaders (`pd.read_csv(path).dropna()` except for the distance matrix)
 * and indexed for the exact-match lookups the tools make and the substring lookups the evaluator
 * makes. Indexes are built on first use, so loading stays cheap.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { travelPlannerDataDir } from "../../core/config.js";
import { InputError } from "../../core/errors.js";
import { type CsvReadOptions, readCsvTable } from "./csvTable.js";
import type { Cell, Table } from "./table.js";

/** Relative paths inside the data folder (the official repository's `database/` layout). */
export const DATABASE_FILES = {
  flights: "database/flights/clean_Flights_2022.csv",
  accommodations: "database/accommodations/clean_accommodations_2022.csv",
  restaurants: "database/restaurants/clean_restaurant_2022.csv",
  attractions: "database/attractions/attractions.csv",
  distances: "database/googleDistanceMatrix/distance.csv",
  citySet: "database/background/citySet.txt",
  cityStates: "database/background/citySet_with_states.txt",
} as const;

/** Columns each search tool shows, in output order (spec §2). */
export const FLIGHT_COLUMNS = ["Flight Number", "Price", "DepTime", "ArrTime", "ActualElapsedTime", "FlightDate", "OriginCityName", "DestCityName", "Distance"] as const;
export const ACCOMMODATION_COLUMNS = ["NAME", "price", "room type", "house_rules", "minimum nights", "maximum occupancy", "review rate number", "city"] as const;
export const RESTAURANT_COLUMNS = ["Name", "Average Cost", "Cuisines", "Aggregate Rating", "City"] as const;
export const ATTRACTION_COLUMNS = ["Name", "Latitude", "Longitude", "Address", "Phone", "Website", "City"] as const;

export interface DatabaseTables {
  flights: Table;
  accommodations: Table;
  restaurants: Table;
  attractions: Table;
  distances: Table;
  /** citySet.txt: the cities the agent's tools accept (311; lacks Jackson). */
  citySet: string[];
  /** citySet_with_states.txt as [city, state] pairs in file order (312). */
  cityStates: [string, string][];
}

export interface LoadOptions extends CsvReadOptions {
  /** Read the flights table from this file instead (e.g. the full official download). */
  flightsFile?: string;
}

/** Groups row numbers by a key, in row order. */
function groupRows(table: Table, key: (row: number) => string): Map<string, number[]> {
  const index = new Map<string, number[]>();
  for (let r = 0; r < table.rowCount; r++) {
    const k = key(r);
    const rows = index.get(k);
    if (rows) rows.push(r);
    else index.set(k, [r]);
  }
  return index;
}

function requireColumns(table: Table, columns: readonly string[], file: string): void {
  for (const c of columns) {
    if (!table.has(c)) throw new InputError(`missing column "${c}" (has ${table.columns.join(", ")})`, { file, field: c });
  }
}

function readLines(file: string): string[] {
  if (!existsSync(file)) throw new InputError("file not found (is TRAVELPLANNER_DATA set to the folder that holds database/?)", { file });
  // The official code reads these with read().strip().split('\n').
  return readFileSync(file, "utf8").trim().split("\n");
}

const SEP = "\u0000";

export class TravelPlannerDatabase {
  readonly flights: Table;
  readonly accommodations: Table;
  readonly restaurants: Table;
  readonly attractions: Table;
  readonly distances: Table;
  readonly citySet: readonly string[];
  readonly citySetLookup: ReadonlySet<string>;
  /** city → state from citySet_with_states.txt (the evaluator's city list). */
  readonly stateOfCity: ReadonlyMap<string, string>;
  /** state → its cities in file order (the CitySearch tool). */
  readonly citiesOfState: ReadonlyMap<string, readonly string[]>;

  private readonly lazy = new Map<string, unknown>();

  constructor(tables: DatabaseTables) {
    this.flights = tables.flights;
    this.accommodations = tables.accommodations;
    this.restaurants = tables.restaurants;
    this.attractions = tables.attractions;
    this.distances = tables.distances;
    this.citySet = tables.citySet;
    this.citySetLookup = new Set(tables.citySet);
    this.stateOfCity = new Map(tables.cityStates);
    const byState = new Map<string, string[]>();
    for (const [city, state] of tables.cityStates) {
      const list = byState.get(state);
      if (list) list.push(city);
      else byState.set(state, [city]);
    }
    this.citiesOfState = byState;
  }

  /** Loads the database folder (default: `TRAVELPLANNER_DATA`). */
  static async load(dir: string = travelPlannerDataDir(), options: LoadOptions = {}): Promise<TravelPlannerDatabase> {
    const path = (rel: string) => join(dir, rel);
    for (const rel of Object.values(DATABASE_FILES)) {
      const file = rel === DATABASE_FILES.flights && options.flightsFile ? options.flightsFile : path(rel);
      if (!existsSync(file)) {
        throw new InputError("file not found (is TRAVELPLANNER_DATA set to the folder that holds database/?)", { file });
      }
    }
    const flightsFile = options.flightsFile ?? path(DATABASE_FILES.flights);
    const [flights, accommodations, restaurants, attractions, distances] = await Promise.all([
      readCsvTable(flightsFile, { ...options, title: options.title ?? "flights" }),
      readCsvTable(path(DATABASE_FILES.accommodations)),
      readCsvTable(path(DATABASE_FILES.restaurants)),
      readCsvTable(path(DATABASE_FILES.attractions)),
      readCsvTable(path(DATABASE_FILES.distances)),
    ]);
    requireColumns(flights, FLIGHT_COLUMNS, flightsFile);
    requireColumns(accommodations, ACCOMMODATION_COLUMNS, path(DATABASE_FILES.accommodations));
    requireColumns(restaurants, RESTAURANT_COLUMNS, path(DATABASE_FILES.restaurants));
    requireColumns(attractions, ATTRACTION_COLUMNS, path(DATABASE_FILES.attractions));
    requireColumns(distances, ["origin", "destination", "duration", "distance"], path(DATABASE_FILES.distances));
    const cityStates = readLines(path(DATABASE_FILES.cityStates)).map((line, i): [string, string] => {
      const parts = line.split("\t");
      if (parts.length < 2) {
        throw new InputError("expected 'City<TAB>State'", { file: path(DATABASE_FILES.cityStates), line: i + 1 });
      }
      return [parts[0]!, parts[1]!];
    });
    return new TravelPlannerDatabase({
      flights: flights.dropna(),
      accommodations: accommodations.dropna(),
      restaurants: restaurants.dropna(),
      attractions: attractions.dropna(),
      distances, // read without dropna: its cost column is always empty
      citySet: readLines(path(DATABASE_FILES.citySet)),
      cityStates,
    });
  }

  private memo<T>(key: string, build: () => T): T {
    if (!this.lazy.has(key)) this.lazy.set(key, build());
    return this.lazy.get(key) as T;
  }

  private byColumn(table: Table, tableName: string, column: string): Map<string, number[]> {
    return this.memo(`${tableName}:${column}`, () => {
      const c = table.col(column);
      return groupRows(table, (r) => String(table.get(r, c)));
    });
  }

  /** Rows of flights with exactly this origin, destination and date (the FlightSearch filter). */
  flightRows(origin: string, destination: string, date: string): readonly number[] {
    // Nested maps keyed by the (interned) cell strings: no per-row key building over 4M rows.
    const index = this.memo("flights:route", () => {
      const t = this.flights;
      const o = t.data[t.col("OriginCityName")]!, d = t.data[t.col("DestCityName")]!, f = t.data[t.col("FlightDate")]!;
      const byOrigin = new Map<Cell, Map<Cell, Map<Cell, number[]>>>();
      for (let r = 0; r < t.rowCount; r++) {
        let byDest = byOrigin.get(o[r]!);
        if (!byDest) byOrigin.set(o[r]!, (byDest = new Map()));
        let byDate = byDest.get(d[r]!);
        if (!byDate) byDest.set(d[r]!, (byDate = new Map()));
        const rows = byDate.get(f[r]!);
        if (rows) rows.push(r);
        else byDate.set(f[r]!, [r]);
      }
      return byOrigin;
    });
    return index.get(origin)?.get(destination)?.get(date) ?? [];
  }

  /** All rows with this flight number, in table order. */
  flightRowsByNumber(flightNumber: string): readonly number[] {
    // Flight numbers are (nearly) unique, so a row number is stored as is and only duplicates get
    // an array: a Map of 4M one-element arrays would cost hundreds of MB on the full table.
    const index = this.memo("flights:number", () => {
      const col = this.flights.data[this.flights.col("Flight Number")]!;
      const map = new Map<Cell, number | number[]>();
      for (let r = 0; r < col.length; r++) {
        const seen = map.get(col[r]!);
        if (seen === undefined) map.set(col[r]!, r);
        else if (typeof seen === "number") map.set(col[r]!, [seen, r]);
        else seen.push(r);
      }
      return map;
    });
    const rows = index.get(flightNumber);
    return rows === undefined ? [] : typeof rows === "number" ? [rows] : rows;
  }

  accommodationRows(city: string): readonly number[] {
    return this.byColumn(this.accommodations, "accommodations", "city").get(city) ?? [];
  }

  restaurantRows(city: string): readonly number[] {
    return this.byColumn(this.restaurants, "restaurants", "City").get(city) ?? [];
  }

  attractionRows(city: string): readonly number[] {
    return this.byColumn(this.attractions, "attractions", "City").get(city) ?? [];
  }

  /** First distance-matrix row for the pair (duplicates exist; the first one wins). */
  distanceRow(origin: string, destination: string): number | undefined {
    return this.distancePairs().get(`${origin}${SEP}${destination}`);
  }

  private distancePairs(): Map<string, number> {
    return this.memo("distances:pair", () => {
      const t = this.distances;
      const o = t.col("origin"), d = t.col("destination");
      const index = new Map<string, number>();
      for (let r = 0; r < t.rowCount; r++) {
        const k = `${t.get(r, o)}${SEP}${t.get(r, d)}`;
        if (!index.has(k)) index.set(k, r);
      }
      return index;
    });
  }

  /**
   * The evaluator's lookup: rows in `city` whose name column contains `name` as a case-sensitive
   * substring (pandas `str.contains(re.escape(name))` on `astype(str)`), in table order.
   */
  matchByName(kind: "restaurants" | "attractions" | "accommodations", name: string, city: string): number[] {
    const table = this[kind];
    const rows = kind === "accommodations" ? this.accommodationRows(city) : kind === "restaurants" ? this.restaurantRows(city) : this.attractionRows(city);
    const c = table.col(kind === "accommodations" ? "NAME" : "Name");
    return rows.filter((r) => {
      const v = table.get(r, c);
      return (v === null ? "nan" : String(v)).includes(name);
    });
  }
}
