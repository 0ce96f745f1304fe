import { BaseSequencer, type TestSpecification } from "vitest/node";
import { e2eRank } from "./e2e-files";

/** vitest's order, then end-to-end files longest first inside each group (sequence.groupOrder). */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: unit files keep vitest's order.
    return sorted.sort((a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || e2eRank(a.moduleId) - e2eRank(b.moduleId));
  }
}
