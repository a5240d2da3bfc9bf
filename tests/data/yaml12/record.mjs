// Records how the reference YAML 1.2 parser (eemeli/yaml, the one editors' YAML language
// servers use) reads each plain scalar in forms.json as a value, core schema:
//   npm install yaml@2.9.1 && node record.mjs > core.json
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const forms = JSON.parse(readFileSync(new URL("./forms.json", import.meta.url), "utf8"));
const read = {};
for (const form of forms) {
  const value = parse(`x: ${form}\n`, { version: "1.2", schema: "core" }).x;
  let entry;
  if (value === null) entry = { type: "null" };
  else if (typeof value === "boolean") entry = { type: "bool", value };
  else if (typeof value === "number") {
    entry = Number.isFinite(value)
      ? { type: Number.isInteger(value) && !/[.eE]/.test(form) ? "int" : "float", value }
      : { type: "float", repr: Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf" };
  } else entry = { type: "str", value };
  read[form] = entry;
}
const yamlVersion = JSON.parse(readFileSync(new URL(import.meta.resolve("yaml/package.json")), "utf8")).version;
console.log(JSON.stringify({ parser: `yaml ${yamlVersion}`, schema: "core", read }, null, 1));
