#!/usr/bin/env node
// Postinstall for faiss-node. Its own install script needs GitHub (prebuilt binary, or a faiss
// clone), so package.json denies it (`allowScripts`) and this script does the job instead:
//   1. keep an addon that already loads;
//   2. try the prebuilt binary (prebuild-install), which works where GitHub is reachable;
//   3. otherwise compile faiss-node's single source file against the system faiss
//      (Debian/Ubuntu: `apt-get install libfaiss-dev libopenblas-dev`).
// It never fails the install: without faiss the memory runs on its exact in-process index and
// says so at run time. MEMP_SKIP_FAISS_BUILD=1 skips everything; MEMP_FAISS_NO_PREBUILT=1 skips step 2.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const log = (msg) => console.log(`[memp faiss] ${msg}`);

function findPackageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function addonLoads(pkgDir) {
  const probe = `const f=require(${JSON.stringify(pkgDir)});const i=new f.IndexFlatIP(2);i.add([1,0]);process.exit(i.ntotal()===1?0:1)`;
  return spawnSync(process.execPath, ["-e", probe], { stdio: "ignore", timeout: 30_000 }).status === 0;
}

function tryPrebuilt(pkgDir) {
  if (process.env.MEMP_FAISS_NO_PREBUILT === "1") return false;
  const bin = findPackageDir("prebuild-install");
  if (!bin) return false;
  log("trying the prebuilt binary...");
  const r = spawnSync(process.execPath, [join(bin, "bin.js"), "--runtime", "napi"], {
    cwd: pkgDir,
    stdio: "ignore",
    timeout: 60_000,
  });
  return r.status === 0 && addonLoads(pkgDir);
}

function firstExisting(paths) {
  return paths.find((p) => existsSync(p));
}

function libDirs() {
  const dirs = ["/usr/local/lib", "/usr/lib", "/usr/lib64"];
  for (const base of ["/usr/lib", "/usr/local/lib"]) {
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base)) if (d.endsWith("-linux-gnu")) dirs.push(join(base, d));
  }
  return dirs;
}

function buildAgainstSystemFaiss(pkgDir) {
  const faissHeader = firstExisting(["/usr/include/faiss/Index.h", "/usr/local/include/faiss/Index.h"]);
  if (!faissHeader) {
    log("no system faiss headers (install libfaiss-dev libopenblas-dev to build the addon)");
    return false;
  }
  const nodeInclude = firstExisting(
    [
      process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
      join(dirname(process.execPath), "..", "include", "node"),
      "/usr/include/node",
      "/usr/local/include/node",
    ].filter(Boolean),
  );
  const addonApi = findPackageDir("node-addon-api");
  if (!nodeInclude || !existsSync(join(nodeInclude, "node_api.h")) || !addonApi) {
    log("Node headers or node-addon-api not found; cannot compile the addon");
    return false;
  }
  const dirs = libDirs();
  const staticLib = firstExisting(dirs.map((d) => join(d, "libfaiss.a")));
  const buildDir = join(pkgDir, "build");
  const releaseDir = join(buildDir, "Release");
  mkdirSync(releaseDir, { recursive: true });
  // Debian ships faiss 1.7.3, where idx_t lives only inside faiss::Index; faiss-node targets 1.7.4.
  const compat = join(buildDir, "faiss_compat.h");
  writeFileSync(
    compat,
    "#pragma once\n#include <faiss/Index.h>\n#include <faiss/MetricType.h>\n" +
      "#if !defined(FAISS_VERSION_MINOR) || (FAISS_VERSION_MAJOR == 1 && FAISS_VERSION_MINOR < 7) || (FAISS_VERSION_MAJOR == 1 && FAISS_VERSION_MINOR == 7 && FAISS_VERSION_PATCH < 4)\n" +
      "namespace faiss { using idx_t = Index::idx_t; }\n#endif\n",
  );
  const tmpOut = join(releaseDir, `faiss-node.node.${process.pid}.tmp`);
  const args = [
    "-O3", "-shared", "-fPIC", "-std=c++17", "-fopenmp", "-DNAPI_VERSION=8",
    "-include", compat, `-I${nodeInclude}`, `-I${addonApi}`,
    join(pkgDir, "src", "faiss.cc"), "-o", tmpOut,
    ...(staticLib ? [staticLib] : ["-lfaiss"]), "-lopenblas", "-llapack", "-lgomp",
  ];
  log(`compiling against the system faiss (${staticLib ?? "-lfaiss"})...`);
  const r = spawnSync("g++", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
  if (r.status !== 0) {
    log(`g++ failed:\n${String(r.stderr).split("\n").slice(0, 15).join("\n")}`);
    return false;
  }
  renameSync(tmpOut, join(releaseDir, "faiss-node.node"));
  return addonLoads(pkgDir);
}

function main() {
  if (process.env.MEMP_SKIP_FAISS_BUILD === "1") return log("skipped (MEMP_SKIP_FAISS_BUILD=1)");
  const pkgDir = findPackageDir("faiss-node");
  if (!pkgDir) return log("faiss-node is not installed; nothing to do");
  if (addonLoads(pkgDir)) return log("faiss-node addon loads");
  if (tryPrebuilt(pkgDir)) return log("installed the prebuilt faiss-node binary");
  if (buildAgainstSystemFaiss(pkgDir)) return log("built faiss-node against the system faiss");
  console.warn(
    "\n[memp faiss] WARNING: faiss-node could not be installed. The memory will use its exact in-process\n" +
      "[memp faiss] index instead (correct, slower on very large memories). To enable faiss on Debian/Ubuntu:\n" +
      "[memp faiss]   apt-get install -y libfaiss-dev libopenblas-dev && node scripts/build-faiss-node.mjs\n",
  );
}

main();
