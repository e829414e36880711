/** `memp ablation`: the paper's grid as cells of `runExperiment`, its budget, and its tables and charts. */
export { BUILD_ROWS, GridFileSchema, loadGrid, resolveSettings, type AblationSettings, type BuildRow, type GridFile, type SettingFlags } from "./settings.js";
export { expName, hasRole, memoryDirOf, noMemoryCell, planCells, runDirOfCell, type Cell, type CellGroup, type CellRole, type CellSetting } from "./grid.js";
export { estimateBudget, settleTransfers, cellItems, BUILD_CALL, FACTS_CALL, type Budget, type BudgetContext, type BuildBudget, type CellBudget } from "./budget.js";
export { budgetText, confirmQuestion } from "./budget-text.js";
export { runCell, runCells, type AblationDeps, type CellResult, type CellStatus } from "./run.js";
export { writeAblation, ABLATION_FILE, type AblationFiles } from "./output.js";
export { buildTable, retrieveTable, updateTable, kTable, transferTable, cellsTable, type TableContext } from "./tables.js";
export { tableCsv, tableMarkdown, tableTerminal, type AblationTable } from "./table-format.js";
export { PAPER, paperModel, paperBuildRow, paperRetrievalCS, type PaperBuildRow } from "./paper.js";
