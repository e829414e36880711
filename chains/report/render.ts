/**
 * Renders Vega-Lite specs headless: vega-lite compiles to Vega, Vega draws SVG without a browser
 * or canvas, and resvg rasterises the SVG to PNG with the system's fonts.
 */
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import type * as Vega from "vega";
import type { compile as Compile, TopLevelSpec } from "vega-lite";
import { writeFileAtomic } from "../../core/util/atomic.js";

type Logger = NonNullable<NonNullable<Parameters<typeof Compile>[1]>["logger"]>;

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
/**
 * Compiles a Vega-Lite spec to Vega. vega-lite and vega are loaded on first use: their module
 * graph has a top-level await (vega-canvas), which would stop CommonJS users from `require`-ing
 * the package at all.
 */
export async function compileSpec(spec: TopLevelSpec, onWarning: (message: string) => void = () => {}): Promise<Vega.Spec> {
  const { compile } = await import("vega-lite");
  return compile(spec, { logger: warningLogger(onWarning) }).spec;
}

export async function specToSvg(spec: TopLevelSpec, onWarning?: (message: string) => void): Promise<string> {
  const vega = await import("vega");
  const view = new vega.View(vega.parse(await compileSpec(spec, onWarning)), { renderer: "none" });
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
