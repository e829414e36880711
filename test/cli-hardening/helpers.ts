import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, vi } from "vitest";
import { registerMemoryCommands } from "../../src/cli/memory.js";
import { runInProcess } from "../helpers/in-process-cli.js";
import { makeEntry, tempDir } from "../memory/helpers.js";
import type { MemoryEntry } from "../../memory/types.js";

export { tempDir };

afterEach(() => vi.restoreAllMocks());

/** `memp memory ...` in this process. */
export const memp = (args: string[]) => runInProcess(registerMemoryCommands, args);

/** An export file as `memp memory export` writes it, for the given entries (or raw lines). */
export function exportFile(dir: string, entries: Array<MemoryEntry | string>, name = "export.jsonl"): string {
  const header = { format: "memp-export", version: 1, embedder: "local:hash-v1:d384:c3-5:idf-00000000", count: entries.length, exportedAt: "2026-01-01T00:00:00.000Z" };
  const path = join(dir, name);
  writeFileSync(path, [header, ...entries].map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join("\n") + "\n");
  return path;
}

/** A memory holding entries for `tasks`, made through `memp memory import`. */
export async function memoryWith(dir: string, tasks: string[]): Promise<string> {
  const mem = join(dir, "mem");
  const r = await memp(["memory", "import", exportFile(dir, tasks.map((t) => makeEntry(t)), "seed.jsonl"), "--memory-dir", mem]);
  if (r.code !== 0) throw new Error(`seeding the memory failed: ${r.stderr}`);
  return mem;
}

/** Temp files `writeFileAtomic` would leave beside a target (`.NAME.PID.TIME.N.tmp`). */
export function tempFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".tmp")) : [];
}

/** One line on stderr, no stack frame. */
export function oneLine(stderr: string): boolean {
  return stderr.endsWith("\n") && stderr.trim().split("\n").length === 1 && !/\n\s+at /.test(stderr) && !stderr.includes("internal error");
}

export { makeEntry };
