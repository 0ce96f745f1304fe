"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_RULES_DIR = void 0;
exports.loadRuleFiles = loadRuleFiles;
exports.alertRules = alertRules;
// The repository's alert rules (monitoring/rules/*.rules.yml).
const fs = __importStar(require("fs"));
const path = __importStar(require("path"));
const yaml_1 = require("yaml");
const config_1 = require("../../stacks/config");
const config_2 = require("./config");
/** The repository's alert rules (monitoring/rules/*.rules.yml): readable, reusable, promtool-tested. */
exports.DEFAULT_RULES_DIR = path.resolve(__dirname, "..", "..", "monitoring", "rules");
/** Rule file name → text, for every `*.rules.yml` of `dir` (sorted, so the container's definition is stable). */
function loadRuleFiles(dir = exports.DEFAULT_RULES_DIR) {
    const names = fs.readdirSync(dir).filter((n) => config_2.RULE_FILE_PATTERN.test(n)).sort();
    if (names.length === 0)
        throw new Error(`no *.rules.yml file in ${dir}`);
    return Object.fromEntries(names.map((n) => [n, fs.readFileSync(path.join(dir, n), "utf8")]));
}
/** The alerting rules of the given files (recording rules are skipped). */
function alertRules(files = loadRuleFiles()) {
    const rules = [];
    for (const text of Object.values(files)) {
        const doc = (0, yaml_1.parse)(text);
        for (const g of doc.groups ?? []) {
            for (const r of g.rules ?? []) {
                if (typeof r.alert !== "string")
                    continue;
                rules.push({
                    alert: r.alert,
                    group: g.name,
                    expr: String(r.expr),
                    forSeconds: typeof r.for === "string" ? (0, config_1.durationSeconds)(r.for) : 0,
                    labels: r.labels ?? {},
                    annotations: r.annotations ?? {},
                });
            }
        }
    }
    return rules;
}
