/**
 * Reading a text ReAct reply: `Thought: ... Action: <command>`. Models add things around the
 * action (a second action, an imagined observation, markdown), so the first `Action:` wins and
 * the reply is cut after its line: what follows was never acted on and must not go back into the
 * conversation as if it had been said.
 */
export interface ParsedReply {
  /** The reasoning before the action, without its `Thought:` label; undefined when empty. */
  thought?: string;
  /** The command; undefined when the reply holds no usable `Action:` line. */
  action?: string;
  /** The reply up to the end of the action line (the whole reply when it has no action). */
  kept: string;
}

const ACTION = /\bAction\s*\d*\s*:[ \t]*([^\n]*)/i;

export function parseReactReply(text: string): ParsedReply {
  const match = ACTION.exec(text);
  if (!match) {
    const thought = stripThoughtLabel(text);
    return { ...(thought ? { thought } : {}), kept: text.trim() };
  }
  const end = match.index + match[0].length;
  const thought = stripThoughtLabel(text.slice(0, match.index));
  const action = cleanCommand(match[1]!);
  return { ...(thought ? { thought } : {}), ...(action ? { action } : {}), kept: text.slice(0, end).trim() };
}

function stripThoughtLabel(text: string): string {
  return text.replace(/^\s*Thought\s*\d*\s*:\s*/i, "").trim();
}

/** Markdown and sentence decoration a model puts around a command, never part of one. */
function cleanCommand(raw: string): string {
  let command = raw.trim().replace(/^\*+|\*+$/g, "").replace(/\.$/, "").trim();
  const quoted = /^(["'`])(.*)\1$/.exec(command);
  if (quoted) command = quoted[2]!.trim();
  return command.replace(/\.$/, "").replace(/\s+/g, " ").trim();
}
