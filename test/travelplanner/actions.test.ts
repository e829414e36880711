import { beforeAll, describe, expect, it } from "vitest";
import { INVALID_ACTION_OBSERVATION, parseAction, TravelPlannerSandbox } from "../../environments/travelplanner/actions.js";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { pyRepr } from "../../environments/travelplanner/format.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("TRAVELPLANNER_DATA");

describe("parseAction", () => {
  it("matches ^(\\w+)\\[(.+)\\]$ on the whole action", () => {
    expect(parseAction("FlightSearch[A, B, 2022-03-01]")).toEqual({ type: "FlightSearch", arg: "A, B, 2022-03-01" });
    expect(parseAction("Planner[x] ]")).toEqual({ type: "Planner", arg: "x] " });
    expect(parseAction("FlightSearch[]")).toBeNull();
    expect(parseAction("Action 1: FlightSearch[A]")).toBeNull();
  });
});

describe.skipIf(!dir)("sandbox actions: official outputs and error strings", () => {
  let db: TravelPlannerDatabase;
  let sb: TravelPlannerSandbox;
  beforeAll(async () => {
    db = await TravelPlannerDatabase.load(dir!);
  });
  const fresh = () => (sb = new TravelPlannerSandbox(db));

  it("FlightSearch: table, no-flight sentence, date then city validation, other errors", () => {
    fresh();
    const ok = sb.call("FlightSearch[St. Petersburg, Rockford, 2022-03-16]");
    expect(ok.state).toBe("Successful");
    expect(ok.observation).toBe(
      "Flight Number  Price DepTime ArrTime  ActualElapsedTime FlightDate OriginCityName DestCityName  Distance\n" +
        "     F3573659    474   15:40   17:04 2 hours 24 minutes 2022-03-16 St. Petersburg     Rockford    1049.0",
    );
    expect(sb.call("FlightSearch[St. Petersburg, Rockford, 2022-03-17]").observation).toBe("There is no flight from St. Petersburg to Rockford on 2022-03-17.");
    const date = sb.call("FlightSearch[Nowhere, Rockford, March 16]");
    expect(date).toMatchObject({ observation: "'March 16' is not in the format YYYY-MM-DD", state: "Illegal args. DateError", failedCounter: "flights" });
    const city = sb.call("FlightSearch[Nowhere, Rockford, 2022-03-16]");
    expect(city.state).toBe("Illegal args. City Error");
    expect(city.observation).toBe(`Nowhere is not valid city in ${pyRepr([...db.citySet])}.`);
    expect(city.observation.startsWith("Nowhere is not valid city in ['San Diego', 'Pellston', 'Buffalo',")).toBe(true);
    expect(sb.call("FlightSearch[Rockford, 2022-03-16]")).toMatchObject({ observation: "Illegal Flight Search. Please try again.", state: "Illegal args. Other Error" });
    // ", " is the only separator the official code splits on
    expect(sb.call("FlightSearch[St. Petersburg,Rockford,2022-03-16]").state).toBe("Illegal args. Other Error");
  });

  it("city searches: tables, the official empty sentences (including the accommodation slip) and citySet validation", () => {
    fresh();
    expect(sb.call("RestaurantSearch[Rockford]").observation.split("\n")[0]).toMatch(/^\s+Name  Average Cost\s+Cuisines  Aggregate Rating\s+City$/);
    expect(sb.call("AttractionSearch[Ithaca]").observation).toBe("There is no attraction in this city.");
    expect(sb.call("AccommodationSearch[Rockford]").observation.split("\n")[0]).toMatch(/^\s+NAME  price\s+room type\s+house_rules  minimum nights  maximum occupancy  review rate number\s+city$/);
    // Jackson is in citySet_with_states.txt but not in citySet.txt, so the tools refuse it.
    expect(sb.call("RestaurantSearch[Jackson]").state).toBe("Illegal args. City Error");
    expect(sb.call("AccommodationSearch[rockford]")).toMatchObject({ state: "Illegal args. City Error", failedCounter: "accommodations" });
  });

  it("CitySearch: Python list repr, and 'Invalid State' as a successful observation", () => {
    fresh();
    const r = sb.call("CitySearch[Texas]");
    expect(r.state).toBe("Successful");
    expect(r.observation).toMatch(/^\['[^']+'(, '[^']+')*\]$/);
    expect(r.observation).toContain("'Dallas'");
    expect(sb.call("CitySearch[Atlantis]")).toMatchObject({ observation: "Invalid State", state: "Successful" });
    expect(sb.currentData).toBeNull(); // CitySearch does not become the notebook's current data
  });

  it("GoogleDistanceMatrix: costs per mode, missing pairs, no-information rows, bad arguments", () => {
    fresh();
    expect(sb.call("GoogleDistanceMatrix[Washington, Myrtle Beach, self-driving]").observation).toBe(
      "self-driving, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: 34",
    );
    expect(sb.call("GoogleDistanceMatrix[Washington, Myrtle Beach, taxi]").observation).toBe(
      "taxi, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: 693",
    );
    expect(sb.call("GoogleDistanceMatrix[Washington(DC), Myrtle Beach, walking]").observation).toBe(
      "walking, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: None",
    );
    expect(sb.call("GoogleDistanceMatrix[St. Petersburg, Rockford, taxi]").observation).toBe("No valid information.");
    expect(sb.call("GoogleDistanceMatrix[Atlantis, Rockford, taxi]").observation).toBe("taxi, from Atlantis to Rockford, no valid information.");
    expect(sb.call("GoogleDistanceMatrix[Washington, Myrtle Beach]")).toMatchObject({
      observation: "Illegal GoogleDistanceMatrix. Please try again.",
      state: "Illegal args. Other Error",
      failedCounter: "googleDistanceMatrix",
      masked: true,
    });
  });

  it("NotebookWrite stores the last search result (None before any search) and the Planner sees a Python repr", () => {
    fresh();
    expect(sb.call("NotebookWrite[nothing yet]").observation).toBe("The information has been recorded in Notebook, and its index is 0.");
    sb.call("GoogleDistanceMatrix[Washington, Myrtle Beach, taxi]");
    sb.call("CitySearch[Texas]");
    expect(sb.call("NotebookWrite[Taxi from Washington to Myrtle Beach]").observation).toBe("The information has been recorded in Notebook, and its index is 1.");
    expect(sb.notebook.toPlannerText()).toBe(
      "[{'index': 0, 'Short Description': 'nothing yet', 'Content': None}, {'index': 1, 'Short Description': 'Taxi from Washington to Myrtle Beach', " +
        "'Content': 'taxi, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: 693'}]",
    );
  });

  it("anything else is the invalid-action observation", () => {
    fresh();
    for (const a of ["Search[x]", "FlightSearch", "Planner[x]", ""]) {
      expect(sb.call(a)).toMatchObject({ observation: INVALID_ACTION_OBSERVATION, state: "invalidAction", failedCounter: "invalidAction" });
    }
    expect(INVALID_ACTION_OBSERVATION).toContain("Valid Actions are  FlightSearch");
  });
});
