/**
 * The agent's Notebook (tools/notebook/apis.py): each write stores the latest search result under
 * a short description; the Planner reads `str(list_all())`, a Python repr.
 */
import { pyRepr } from "./format.js";

export interface NotebookEntry {
  index: number;
  "Short Description": string;
  /** The search result text, or null when nothing had been searched yet (Python None). */
  Content: string | null;
}

export class Notebook {
  private entries: { description: string; content: string | null }[] = [];

  /** Stores `content` (the last search result) and returns the official confirmation. */
  write(content: string | null, description: string): string {
    this.entries.push({ description, content });
    return `The information has been recorded in Notebook, and its index is ${this.entries.length - 1}.`;
  }

  reset(): void {
    this.entries = [];
  }

  get size(): number {
    return this.entries.length;
  }

  listAll(): NotebookEntry[] {
    return this.entries.map((e, index) => ({ index, "Short Description": e.description, Content: e.content }));
  }

  /** `str(notebook.list_all())`: what the Planner receives. */
  toPlannerText(): string {
    return pyRepr(this.listAll().map((e) => ({ index: e.index, "Short Description": e["Short Description"], Content: e.Content })));
  }
}
