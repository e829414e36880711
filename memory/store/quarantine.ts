import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../../core/util/atomic.js";
import { QUARANTINE_DIR } from "./files.js";

/**
 * Damaged data is moved to `DIR/quarantine/<timestamp>/`, never deleted: what memp cannot
 * rebuild may still be recoverable by a person. One folder per repair, created on first use.
 */
export class Quarantine {
  private folder?: string;

  constructor(
    readonly dir: string,
    private readonly at = new Date(),
  ) {}

  /** The folder, or undefined when nothing was quarantined. */
  get path(): string | undefined {
    return this.folder;
  }

  /** Saves bytes (e.g. a torn last line) under `name`; returns the saved path. */
  save(name: string, data: string | Uint8Array): string {
    const path = this.free(name);
    writeFileAtomic(path, data);
    return path;
  }

  /** Moves a file of the memory directory into quarantine; returns where it went. */
  move(name: string): string {
    const path = this.free(name);
    renameSync(join(this.dir, name), path);
    fsyncDir(this.dir);
    return path;
  }

  private free(name: string): string {
    if (!this.folder) {
      const stamp = this.at.toISOString().replace(/:/g, "-");
      let folder = join(this.dir, QUARANTINE_DIR, stamp);
      for (let n = 2; existsSync(folder); n++) folder = join(this.dir, QUARANTINE_DIR, `${stamp}-${n}`);
      mkdirSync(folder, { recursive: true });
      this.folder = folder;
    }
    let path = join(this.folder, name);
    for (let n = 2; existsSync(path); n++) path = join(this.folder, `${name}.${n}`);
    return path;
  }
}
