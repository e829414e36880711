export * from "./schema.js";
export { summarizeEpisodes } from "./summarize.js";
export { findRunDirs, loadRun, loadRuns, readEpisodes, EPISODES_DIR, RUN_FILE, SUMMARY_FILE, type LoadedRun } from "./results.js";
export { runView, runViews, memoryText, type RunView, type TypeFigures } from "./view.js";
export { batchesTable, runsTable, typesTable, toMarkdown, toTerminal, type Table } from "./tables.js";
export * from "./charts.js";
export { renderChart, specToSvg, svgToPng, type RenderedChart } from "./render.js";
export { markdownReport, terminalReport, writeReport, REPORT_FILE, type ReportFiles, type ReportOptions } from "./report.js";
