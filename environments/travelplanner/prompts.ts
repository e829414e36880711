/**
 * Prompts for the two-stage agent and the planner. Written for this project; they describe the
 * same tools, argument syntax and plan layout as the official ones, so the agent's actions and
 * the planner's plans are what the tools and the plan parser expect.
 */

/** The action forms, as prompt-ready text (also the TextEnvironment's action vocabulary). */
export const ACTION_VOCABULARY = `(1) FlightSearch[Departure City, Destination City, Date]
Looks up flights. Date is YYYY-MM-DD. Example: FlightSearch[Dallas, Denver, 2022-03-05] lists the flights from Dallas to Denver on March 5, 2022.

(2) GoogleDistanceMatrix[Origin, Destination, Mode]
Distance, duration and cost of a road trip. Mode is 'self-driving' or 'taxi'. Example: GoogleDistanceMatrix[Boston, Albany, taxi].

(3) AccommodationSearch[City]
Places to stay in a city. Example: AccommodationSearch[Seattle].

(4) RestaurantSearch[City]
Restaurants in a city. Example: RestaurantSearch[Austin].

(5) AttractionSearch[City]
Things to see in a city. Example: AttractionSearch[Chicago].

(6) CitySearch[State]
The cities of a state you can travel to. Example: CitySearch[Ohio].

(7) NotebookWrite[Short Description]
Saves the result of your latest FlightSearch, GoogleDistanceMatrix, AccommodationSearch, RestaurantSearch or AttractionSearch in the Notebook under a short label; the data itself is stored for you. The Planner only sees what is in the Notebook, so save everything you will need. Example: NotebookWrite[Flights from Dallas to Denver on 2022-03-05].

(8) Planner[Query]
Writes the final travel plan from the Notebook and the query you pass it, and ends the task. Example: Planner[Plan a 3-day trip from Dallas to Denver for one person, March 5 to 7, 2022, budget $1,500].`;

/**
 * Two-stage agent prompt: instructions, the memory's guidelines (if any), the query, then the
 * scratchpad so far. The guidelines sit before the query so that the part of the prompt that
 * grows with the scratchpad stays at the end, as in the official prompt; without guidelines the
 * text is exactly the guideline-free prompt.
 */
export function agentPrompt(query: string, scratchpad: string, guidelines = ""): string {
  const guidance = guidelines.trim() === "" ? "" : `${guidelines.trim()}\n\n`;
  return `You gather the information needed to plan a trip, working in steps of Thought, Action and Observation. Find transportation, restaurants, attractions and accommodation for the query, and write every useful result into the Notebook, because the Planner tool reads only the Notebook. Call one tool per action and never nest tool calls. A Thought reasons about what you know and what is missing; an Action is one of:

${ACTION_VOCABULARY}

Collect as much relevant information as you can before calling the Planner. Write each action exactly in the form shown, with nothing else on the line.

${guidance}Query: ${query}${scratchpad}`;
}

const PLAN_EXAMPLE = `Query: Please plan a 3-day trip for 2 people from Dallas to Denver, March 5th to March 7th, 2022, with a budget of $2,400.
Travel Plan:
Day 1:
Current City: from Dallas to Denver
Transportation: Flight Number: F1234567, from Dallas to Denver, Departure Time: 08:10, Arrival Time: 09:25
Breakfast: -
Attraction: Denver Botanic Gardens, Denver;
Lunch: Little Saigon, Denver
Dinner: Mountain Grill, Denver
Accommodation: Sunny loft near Union Station, Denver

Day 2:
Current City: Denver
Transportation: -
Breakfast: Morning Crust Bakery, Denver
Attraction: Denver Art Museum, Denver;Red Rocks Park, Denver;
Lunch: Taqueria Sol, Denver
Dinner: Spice Route, Denver
Accommodation: Sunny loft near Union Station, Denver

Day 3:
Current City: from Denver to Dallas
Transportation: Flight Number: F7654321, from Denver to Dallas, Departure Time: 18:40, Arrival Time: 21:35
Breakfast: Corner Cafe, Denver
Attraction: Larimer Square, Denver;
Lunch: Olive Branch, Denver
Dinner: -
Accommodation: -`;

function plannerInstructions(extra: string): string {
  return `You are an expert travel planner. Using only the information given below and the query, write a detailed day-by-day plan that names the specific flight numbers, restaurants, attractions and accommodations. Every item must come from the given information and the plan must make practical sense.${extra} Write '-' where nothing is needed, for example after the trip is back at its origin. On a day that moves between cities, write the Current City as "from A to B". Follow the layout of the example exactly: one "Day N:" block per day with the seven fields, each entry written as "Name, City", attractions separated by ';'.

***** Example *****
${PLAN_EXAMPLE}
***** Example Ends *****
`;
}

export function PLANNER_PROMPT(information: string, query: string): string {
  return `${plannerInstructions("")}
Given information: ${information}
Query: ${query}
Travel Plan:`;
}

export function PLANNER_PROMPT_COT(information: string, query: string): string {
  return `${plannerInstructions(" Vary the restaurants and attractions from day to day.")}
Given information: ${information}
Query: ${query}
Travel Plan: Let's think step by step. First, `;
}
