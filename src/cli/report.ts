import type { Command } from "commander";
import { loadRuns } from "../../chains/report/results.js";
import { terminalReport, writeReport } from "../../chains/report/report.js";
import { displayPath, runViews } from "../../chains/report/view.js";

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description("compare experiment runs: tables on stdout, report.md with SVG/PNG charts in --out")
    .argument("<results...>", "run folders (holding run.json), or folders above them (searched recursively)")
    .option("--out <dir>", "folder for report.md and the charts (created if missing)", ".")
    .action(async (paths: string[], opts: { out: string }) => {
      // Every run is read and validated before anything is written, so a bad file leaves no half report.
      const runs = loadRuns(paths);
      process.stdout.write(terminalReport(runViews(runs)));
      const files = await writeReport(runs, { outDir: opts.out });
      process.stdout.write(`\nwrote ${displayPath(files.markdown)} and ${files.charts.length} charts (SVG and PNG)\n`);
    });
}
