import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/** Every markdown link target of a file that is not a chart or CSV beside it: the run folders. */
export function runLinks(markdownFile: string): string[] {
  const md = readFileSync(markdownFile, "utf8");
  return [...md.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!).filter((href) => !/\.(svg|png|csv)$/.test(href));
}

export function resolveLink(markdownFile: string, href: string): string {
  return resolve(markdownFile, "..", decodeURIComponent(href));
}

/** A markdown table under `## heading`, as records keyed by header. */
export function markdownTable(markdownFile: string, heading: string): Array<Record<string, string>> {
  const md = readFileSync(markdownFile, "utf8");
  const at = md.indexOf(`## ${heading}`);
  if (at < 0) throw new Error(`no section "${heading}"`);
  const lines = md.slice(at).split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split("|").map((c) => c.trim()));
  }
  const [header, , ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

export function csvRows(file: string): Array<Record<string, string>> {
  const [header, ...body] = readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(","));
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])));
}

/** Episode files of every run folder under `root`, with their modification times. */
export function episodeStamps(root: string): Map<string, number> {
  const stamps = new Map<string, number>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (dir.endsWith("episodes")) stamps.set(path, statSync(path).mtimeMs);
    }
  };
  if (existsSync(root)) walk(root);
  return stamps;
}

/** The index of the first line of `text` matching `re` (Infinity if none): to check what was printed before what. */
export function lineOf(text: string, re: RegExp): number {
  const i = text.split("\n").findIndex((l) => re.test(l));
  return i < 0 ? Infinity : i;
}
