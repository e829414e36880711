/**
 * Renders Vega-Lite specs headless: vega-lite compiles to Vega, Vega draws SVG without a browser
 * or canvas, and resvg rasterises the SVG to PNG with the system's fonts.
 */
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { writeFileAtomic } from "../../core/util/atomic.js";

type Logger = NonNullable<NonNullable<Parameters<typeof compile>[1]>["logger"]>;

/**
 * vega-lite's default logger writes warnings to the console, which would land in the middle of
 * the CLI's output; they go to `onWarning` instead (tests assert there are none).
 */
function warningLogger(onWarning: (message: string) => void): Logger {
  let level = 2;
  const text = (args: unknown[]) => args.map(String).join(" ");
  const logger: Logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      throw new Error(text(args));
    },
    warn(...args: unknown[]) {
      onWarning(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** The Vega spec of a Vega-Lite spec; compiler warnings go to `onWarning` (default: dropped). */
export function compileSpec(spec: TopLevelSpec, onWarning: (message: string) => void = () => {}): vega.Spec {
  return compile(spec, { logger: warningLogger(onWarning) }).spec;
}

export async function specToSvg(spec: TopLevelSpec, onWarning?: (message: string) => void): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec, onWarning)), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** `scale` 2 keeps axis text sharp on high-density screens and in slides. */
export function svgToPng(svg: string, scale = 2): Buffer {
  return new Resvg(svg, { font: { loadSystemFonts: true }, fitTo: { mode: "zoom", value: scale } }).render().asPng();
}

export interface RenderedChart {
  svg: string;
  png: string;
}

/** Writes `<dir>/<name>.svg` and `<dir>/<name>.png` and returns their paths. */
export async function renderChart(spec: TopLevelSpec, dir: string, name: string): Promise<RenderedChart> {
  const svg = await specToSvg(spec);
  const files = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
  writeFileAtomic(files.svg, svg);
  writeFileAtomic(files.png, svgToPng(svg));
  return files;
}
