// The chaos stack's `labStack` key, light enough for the program to read before its other modules load.

/** A stack name, as chaos/faults/spec.ts validates `labStack`. */
export const LAB_STACK_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
export const DEFAULT_LAB_STACK = "dev";
