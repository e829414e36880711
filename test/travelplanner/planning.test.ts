import { join } from "node:path";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runEpisode } from "../../chains/episode.js";
import { TwoStageReactAgent } from "../../chains/travelplanner/react.js";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { evaluatePlans } from "../../environments/travelplanner/evaluator/evaluate.js";
import { evaluatePlan } from "../../environments/travelplanner/evaluator/evaluate.js";
import { createTravelPlannerTools } from "../../environments/travelplanner/langchain.js";
import { parsePlan, parsePlanText, PLAN_FIELDS, renderPlan } from "../../environments/travelplanner/planParser.js";
import { countCl100kTokens, LlmPlanner, MAX_TOKEN_LENGTH_EXCEEDED, solePlan, type Planner } from "../../environments/travelplanner/planner.js";
import { loadQueries, type TravelQuery } from "../../environments/travelplanner/queries.js";
import { referenceInformationFor } from "../../environments/travelplanner/reference.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("TRAVELPLANNER_DATA");

describe("plan parser", () => {
  it("reads the Day/field layout, with markdown decoration, '$' removed and missing fields as '-'", () => {
    const text = "Here is your plan.\n\n**Day 1:**\n- **Current City:** from Dallas to Denver\n- **Transportation:** Flight Number: F1, from Dallas to Denver, Departure Time: 08:10, Arrival Time: 09:25\n- **Lunch:** Taqueria Sol, Denver; Cost: $14\n\nDay 2:\nCurrent City: Denver\nAttraction: Denver Art Museum, Denver;";
    expect(parsePlanText(text)).toEqual([
      { days: 1, current_city: "from Dallas to Denver", transportation: "Flight Number: F1, from Dallas to Denver, Departure Time: 08:10, Arrival Time: 09:25", breakfast: "-", attraction: "-", lunch: "Taqueria Sol, Denver; Cost: 14", dinner: "-", accommodation: "-" },
      { days: 2, current_city: "Denver", transportation: "-", breakfast: "-", attraction: "Denver Art Museum, Denver;", lunch: "-", dinner: "-", accommodation: "-" },
    ]);
    expect(parsePlanText("I could not find flights.")).toBeNull();
    expect(parsePlanText("Day 1:\nBreakfast: X, Y")).toBeNull(); // no current city: not the layout
  });

  it("gives no plan for empty output and the planner's token-limit answer", async () => {
    expect(await parsePlan("")).toMatchObject({ plan: null, method: "none", reason: "empty planner output" });
    expect(await parsePlan(MAX_TOKEN_LENGTH_EXCEEDED)).toMatchObject({ plan: null, reason: MAX_TOKEN_LENGTH_EXCEEDED });
    expect(await parsePlan("free-form prose")).toMatchObject({ plan: null, method: "none" });
  });

  it("falls back to the model for free-form text: JSON, then a Python literal, else no plan", async () => {
    const day = { days: 1, current_city: "from A to B", transportation: "-", breakfast: "-", attraction: "-", lunch: "-", dinner: "-", accommodation: "-" };
    const json = new FakeListChatModel({ responses: ["Sure:\n```json\n" + JSON.stringify([day]) + "\n```"] });
    expect(await parsePlan("We fly from A to B.", { model: json })).toEqual({ plan: [day], method: "llm" });
    const python = new FakeListChatModel({ responses: ["```python\n[{'days': 1, 'current_city': 'from A to B', 'transportation': None}]\n```"] });
    expect(await parsePlan("We fly from A to B.", { model: python })).toEqual({ plan: [{ days: 1, current_city: "from A to B", transportation: null }], method: "llm" });
    const refusal = new FakeListChatModel({ responses: ["I cannot help with that."] });
    const none = await parsePlan("We fly from A to B.", { model: refusal });
    expect(none.plan).toBeNull();
    expect(none.reason).toMatch(/could not be used/);
  });
});

describe("LLM planner", () => {
  it("counts cl100k tokens", () => {
    expect(countCl100kTokens("hello world")).toBe(2);
    expect(countCl100kTokens("<|endoftext|>")).toBeGreaterThan(1); // special tokens count as text, no throw
  });

  it("sends the notebook text and the query, and refuses prompts over the token budget without calling the model", async () => {
    const model = new FakeListChatModel({ responses: ["Day 1:\nCurrent City: from A to B"] });
    const planner = new LlmPlanner({ model });
    expect(planner.prompt("INFO", "QUERY")).toMatch(/Given information: INFO\nQuery: QUERY\nTravel Plan:$/);
    expect(new LlmPlanner({ model, strategy: "cot" }).prompt("INFO", "QUERY").endsWith("Travel Plan: Let's think step by step. First, ")).toBe(true);
    expect(await planner.plan("INFO", "QUERY")).toBe("Day 1:\nCurrent City: from A to B");
    let called = false;
    const counting = new LlmPlanner({ model, countTokens: (t) => ((called = true), t.length), maxPromptTokens: 100 });
    expect(await counting.plan("x".repeat(200), "q")).toBe(MAX_TOKEN_LENGTH_EXCEEDED);
    expect(called).toBe(true);
  });
});

describe.skipIf(!dir)("planning on real data", () => {
  let db: TravelPlannerDatabase;
  let train: TravelQuery[];
  beforeAll(async () => {
    db = await TravelPlannerDatabase.load(dir!);
    train = loadQueries(join(dir!, "queries/train.jsonl"));
  });

  it("text → JSON → evaluator: every train gold plan written as text parses back exactly and passes", async () => {
    const parsed = [];
    for (const q of train) {
      const days = (q.annotated_plan as Record<string, unknown>[]).slice(0, q.days);
      const result = await parsePlan(renderPlan(days));
      expect(result.method).toBe("deterministic");
      expect(result.plan).toEqual(days.map((d) => ({ days: d.days, ...Object.fromEntries(PLAN_FIELDS.map((f) => [f, d[f]])) })));
      parsed.push(result.plan);
    }
    expect(evaluatePlans(db, train, parsed, "train").aggregate.final_pass_rate).toBe(1);
  });

  it("end to end: agent episode → LLM planner → plan parser → evaluator", async () => {
    const q = train[0]!;
    const days = (q.annotated_plan as Record<string, unknown>[]).slice(0, q.days);
    const agent = new FakeListChatModel({
      responses: [
        "Flights out first.",
        `FlightSearch[${q.org}, ${q.dest}, ${q.date[0]}]`,
        "Keep them.",
        "NotebookWrite[Outbound flights]",
        "Restaurants next.",
        `RestaurantSearch[${q.dest}]`,
        "Keep them.",
        "NotebookWrite[Restaurants]",
        "Enough to plan.",
        `Planner[${q.query}]`,
      ],
    });
    const plannerModel = new FakeListChatModel({ responses: [renderPlan(days)] });
    const planner = new LlmPlanner({ model: plannerModel });
    const env = new TravelPlannerEnvironment({ db, planner, query: q });
    await runEpisode(env, new TwoStageReactAgent({ model: agent, stop: [] }));
    const episode = env.current;
    expect(episode.jsonLog.map((e) => e.state)).toEqual(["Successful", "Successful", "Successful", "Successful", "Successful"]);
    const parsed = await parsePlan(episode.answer);
    expect(parsed.method).toBe("deterministic");
    const verdict = evaluatePlan(db, q, parsed.plan);
    expect([...Object.values(verdict.commonsense), ...Object.values(verdict.hard!)].every(([ok]) => ok !== false)).toBe(true);
    expect(episode.toTrajectory().facts).toMatchObject({ org: q.org, dest: q.dest, days: String(q.days) });
  });

  it("sole planning hands the reference information and the query text to the planner", async () => {
    const validation = loadQueries(join(dir!, "queries/validation.csv"));
    const seen: string[] = [];
    const planner: Planner = { plan: async (info, query) => (seen.push(info, query), "plan") };
    expect(await solePlan(planner, validation[0]!, validation[0]!.reference_information!)).toBe("plan");
    expect(seen[0]!.startsWith("[{'Description': 'Attractions in Myrtle Beach', 'Content': \"")).toBe(true);
    expect(seen[1]).toBe(validation[0]!.query);
    // Train JSONL lists its reference descriptions; the text is rebuilt from the database.
    const text = referenceInformationFor(db, train[0]!);
    expect(text).toMatch(/^\[\{'Description': 'Attractions in Rockford', 'Content': ["'] +Name +Latitude/);
    expect(text).toContain("'Description': 'Flight from St. Petersburg to Rockford on 2022-03-16', 'Content': 'Flight Number  Price");
    expect(referenceInformationFor(db, validation[3]!)).toBe(validation[3]!.reference_information);
  });

  it("LangChain tools: text and zod-schema variants share one notebook and return the official observations", async () => {
    const infos: string[] = [];
    const planner: Planner = { plan: async (info) => (infos.push(info), "the plan") };
    const text = Object.fromEntries(createTravelPlannerTools(db, planner).map((t) => [t.name, t]));
    expect(Object.keys(text)).toEqual(["FlightSearch", "AccommodationSearch", "RestaurantSearch", "AttractionSearch", "CitySearch", "GoogleDistanceMatrix", "NotebookWrite", "Planner"]);
    expect(await text.GoogleDistanceMatrix!.invoke("Washington, Myrtle Beach, taxi")).toBe("taxi, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: 693");
    expect(await text.NotebookWrite!.invoke("taxi")).toBe("The information has been recorded in Notebook, and its index is 0.");
    expect(await text.Planner!.invoke("go")).toBe("the plan");
    expect(infos[0]).toContain("'Short Description': 'taxi', 'Content': 'taxi, from Washington");

    const structured = Object.fromEntries(createTravelPlannerTools(db, planner, { schema: "structured" }).map((t) => [t.name, t]));
    const flights = await structured.FlightSearch!.invoke({ departure_city: "St. Petersburg", destination_city: "Rockford", date: "2022-03-16" });
    expect(flights).toContain("F3573659");
    expect(await structured.AttractionSearch!.invoke({ city: "Nowhere" })).toMatch(/^Nowhere is not valid city in \['San Diego'/);
    await expect(structured.GoogleDistanceMatrix!.invoke({ origin: "A", destination: "B", mode: "walking" })).rejects.toThrow();
  });
});
