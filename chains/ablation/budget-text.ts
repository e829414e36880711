/** The budget as the user reads it before confirming: one line per cell, the builds, the total. */
import { dollars, MISSING } from "../report/format.js";
import { toTerminal, type Table } from "../report/tables.js";
import { BUILD_CALL, type Budget, type CellBudget } from "./budget.js";

const count = (n: number | undefined) => (n === undefined ? MISSING : Math.round(n).toLocaleString("en-US"));

function statusText(c: CellBudget): string {
  if (c.status === "skip") return "skipped";
  if (c.status === "reused") return "reused";
  return c.done > 0 ? "resume" : "run";
}

export function budgetTable(budget: Budget): Table {
  const rows = budget.cells.map((c) => [
    c.cell.model,
    c.cell.split,
    c.cell.exp,
    statusText(c),
    `${c.toPlay}`,
    c.status === "skip" ? MISSING : `${c.done}/${c.planned}`,
    count(c.calls),
    count(c.input),
    count(c.output),
    c.status === "skip" ? MISSING : dollars(c.dollars),
    c.status === "run" ? (c.basis ?? "pilot") : "",
  ]);
  return {
    headers: ["model", "split", "cell", "status", "to play", "done", "model calls", "prompt tok", "completion tok", "$", "per-episode figures from"],
    align: ["left", "left", "left", "left", "right", "right", "right", "right", "right", "right", "left"],
    rows,
  };
}

export function budgetText(budget: Budget): string {
  const lines = ["budget (an estimate: per-episode calls and tokens of earlier runs of the same env and model)", toTerminal(budgetTable(budget)).trimEnd()];
  for (const c of budget.cells.filter((x) => x.status === "skip")) lines.push(`skipped ${c.cell.model} ${c.cell.split} ${c.cell.exp}: ${c.cell.skip}`);
  for (const b of budget.builds) {
    lines.push(
      `memory build (${b.kind}, by ${b.model}) in ${b.dir}: ~${count(b.demonstrations)} demonstrations, ~${count(b.calls)} model calls, ~${count(b.input)} prompt + ${count(b.output)} completion tokens, ${b.dollars === null ? "cost unknown" : `~${dollars(b.dollars)}`} ` +
        `(rough: about one call per demonstration at ~${BUILD_CALL.input} prompt + ${BUILD_CALL.output} completion tokens)`,
    );
  }
  const t = budget.total;
  const reused = budget.cells.filter((c) => c.status === "reused").length;
  const skipped = budget.cells.filter((c) => c.status === "skip").length;
  lines.push(
    `total: ${t.episodes} episodes to play in ${budget.cells.length - reused - skipped} cells (${reused} reused, ${skipped} skipped), ` +
      `~${count(t.calls)} model calls, ~${count(t.input)} prompt + ${count(t.output)} completion tokens, ` +
      (t.dollars === null ? `cost unknown: ${t.unknown.join("; ")}` : `~${dollars(t.dollars)}`),
  );
  return lines.join("\n") + "\n";
}

export function confirmQuestion(budget: Budget): string {
  const t = budget.total;
  const cost = t.dollars === null ? ` (cost unknown: ${t.unknown.join("; ")})` : `, ~${dollars(t.dollars)}`;
  return `run ${t.episodes} episodes${budget.builds.length > 0 ? ` and ${budget.builds.length} memory build(s)` : ""}${cost}? [y/N] `;
}
