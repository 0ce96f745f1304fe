"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.kindOf = exports.FAULT_KINDS = exports.KIND_SCHEMAS = void 0;
const delay_1 = require("./delay");
const etcd_outage_1 = require("./etcd-outage");
const loss_1 = require("./loss");
const node_stop_1 = require("./node-stop");
const partition_1 = require("./partition");
const reset_1 = require("./reset");
const stress_1 = require("./stress");
/** Every kind's schema, for the discriminated union of fault specs (spec.ts). */
exports.KIND_SCHEMAS = [node_stop_1.nodeStopSpec, delay_1.delaySpec, loss_1.lossSpec, reset_1.resetSpec, partition_1.partitionSpec, stress_1.stressSpec, etcd_outage_1.etcdOutageSpec];
exports.FAULT_KINDS = {
    "node-stop": node_stop_1.nodeStop,
    delay: delay_1.delay,
    loss: loss_1.loss,
    reset: reset_1.reset,
    partition: partition_1.partition,
    stress: stress_1.stress,
    "etcd-outage": etcd_outage_1.etcdOutage,
};
/** The registry entry of a spec's kind, typed for that spec. */
const kindOf = (spec) => exports.FAULT_KINDS[spec.kind];
exports.kindOf = kindOf;
