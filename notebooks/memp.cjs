// Loads memp-langchain in a tslab notebook. tslab (1.0.22) type-checks with Node10 module
// resolution, which ignores package.json "exports" (so `import "memp-langchain/alfworld"` does
// not type-check), and turns a cell's import() into require(). A real import() from this
// CommonJS file works, and Node resolves the package's own name from inside the repository
// ("self-referencing" through "exports" to dist/). memp.d.cts gives the types.
exports.load = (specifier) => import(specifier);
