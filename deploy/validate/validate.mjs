// Validates Kubernetes manifests against the API's OpenAPI schemas (kubernetes-models) and KEDA's CRD schemas
// (@kubernetes-models/keda). Usage: node validate.mjs [file.yaml ...]; without arguments, every *.yaml of deploy/
// except kustomization.yaml. Prints one line per object; exits 1 naming the file, the object and the schema error.
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";

// Only the kinds this project deploys: anything else is an error rather than silently unchecked.
const MODELS = new Map(
  [ConfigMap, Secret, Service, Deployment, PodDisruptionBudget, ScaledObject, TriggerAuthentication].map((model) => [
    `${model.apiVersion}/${model.kind}`,
    model,
  ]),
);

const deployDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const files = process.argv.length > 2
  ? process.argv.slice(2).map((file) => resolve(file))
  : readdirSync(deployDir)
      .filter((name) => name.endsWith(".yaml") && name !== "kustomization.yaml")
      .sort()
      .map((name) => join(deployDir, name));

const failures = [];
let objects = 0;
for (const file of files) {
  const shown = relative(process.cwd(), file) || basename(file);
  let documents;
  try {
    documents = parseAllDocuments(readFileSync(file, "utf8"));
  } catch (error) {
    failures.push(`${shown}: cannot read: ${error.message}`);
    continue;
  }
  documents.forEach((document, index) => {
    const where = `${shown}#${index + 1}`;
    if (document.errors.length > 0) {
      failures.push(`${where}: YAML error: ${document.errors.map((e) => e.message).join("; ")}`);
      return;
    }
    const object = document.toJS();
    if (object === null || object === undefined) {
      return;
    }
    const type = `${object.apiVersion}/${object.kind}`;
    const name = `${type} ${object.metadata?.name ?? "(no name)"}`;
    const Model = MODELS.get(type);
    if (!Model) {
      failures.push(`${where}: ${name}: no schema for this apiVersion/kind`);
      return;
    }
    try {
      new Model(object).validate();
      objects++;
      console.log(`ok   ${where}: ${name}`);
    } catch (error) {
      failures.push(`${where}: ${name}: ${error.message}`);
    }
  });
}

for (const failure of failures) {
  console.error(`FAIL ${failure}`);
}
if (failures.length > 0 || objects === 0) {
  console.error(objects === 0 && failures.length === 0 ? "FAIL no manifests found" : `${failures.length} invalid`);
  process.exit(1);
}
console.log(`${objects} objects valid`);
