import type { GameFileData } from "./game.js";

/**
 * `2.1.1`: the game files as released (`put {o} in/on {r}`, "You arrive at loc N.").
 * `2.1.2`: what ALFWorld 0.4+ installs (its patch_tw-pddl.py applied at download time):
 * `move {o} to {r}`, "You arrive at {receptacle}.", and a `help` command.
 */
export type GrammarVersion = "2.1.1" | "2.1.2";
export const GRAMMAR_VERSIONS: readonly GrammarVersion[] = ["2.1.1", "2.1.2"];

// The patch ALFWorld 0.4+ applies to the 2.1.1 files (scripts/patch_tw-pddl.py), as text edits.
const HELP_ACTION_PDDL = `
(:action help
    :parameters (?a - agent)
    :precondition
        ()
    :effect
        (and
            (checked ?a)
        )
)
`;
const HELP_TEXT =
  "\\nAvailable commands:\\n  look:                             look around your current location\\n  inventory:                        check your current inventory\\n  go to (receptacle):               move to a receptacle\\n  open (receptacle):                open a receptacle\\n  close (receptacle):               close a receptacle\\n  take (object) from (receptacle):  take an object from a receptacle\\n  move (object) to (receptacle):  place an object in or on a receptacle\\n  examine (something):              examine a receptacle or an object\\n  use (object):                     use an object\\n  heat (object) with (receptacle):  heat an object using a receptacle\\n  clean (object) with (receptacle): clean an object using a receptacle\\n  cool (object) with (receptacle):  cool an object using a receptacle\\n  slice (object) with (object):     slice an object using a sharp object\\n";
const HELP_GRAMMAR = `

action help {
    template :: "help";
    feedback :: "#help.feedback#";

    grammar :: """
        {
            "help.feedback": [
                {
                    "rhs": "${HELP_TEXT}"
                }
            ]
        }
    """;
}
`;

/** Applies a grammar version to the 2.1.1 texts of a game file. */
export function applyGrammarVersion(data: GameFileData, version: GrammarVersion): GameFileData {
  if (version === "2.1.1") return data;
  const end = data.pddl_domain.lastIndexOf(")");
  const domain = end < 0 ? data.pddl_domain : data.pddl_domain.slice(0, end) + HELP_ACTION_PDDL + ")" + data.pddl_domain.slice(end + 1);
  const grammar =
    data.grammar
      .replaceAll("You arrive at {lend.name}.", "You arrive at {r.name}.")
      .replaceAll("put {o} in/on {r}", "move {o} to {r}")
      .replaceAll("You put the {o.name} in/on the {r.name}.", "You move the {o.name} to the {r.name}.") + HELP_GRAMMAR;
  return { ...data, pddl_domain: domain, grammar };
}
