/**
 * Display names as ALFWorld's demangler assigns them. Ids like
 * `cabinet_bar__plus_00_dot_13_bar_...` become `cabinet N`: numbering is per class name (objects,
 * receptacles and locations alike), and walking the ids in sorted order hands out the numbers from
 * the highest down, so the smallest id of a class gets the largest number. Sink and bathtub basins
 * get "basin" appended to their class (`sinkbasin 1`). Ids without a `_bar_` part (the agent, type
 * constants) keep their id and a trailing space: `agent1 `.
 */
export function displayNames(sortedIds: readonly string[]): string[] {
  const remaining = new Map<string, number>();
  for (const id of sortedIds) {
    const cut = id.indexOf("_bar_");
    if (cut < 0) continue;
    const cls = className(id, id.slice(0, cut));
    remaining.set(cls, (remaining.get(cls) ?? 0) + 1);
  }
  return sortedIds.map((id) => {
    const text = id.replaceAll("_bar_", "|").replaceAll("_minus_", "-").replaceAll("_plus_", "+").replaceAll("_dot_", ".").replaceAll("_comma_", ",");
    const cut = text.indexOf("|");
    if (cut < 0) return `${text} `;
    const cls = className(id, text.slice(0, cut));
    const number = remaining.get(cls) ?? 0;
    remaining.set(cls, number - 1);
    return `${cls} ${number}`;
  });
}

function className(id: string, head: string): string {
  return id.includes("basin") ? `${head}basin` : head;
}
