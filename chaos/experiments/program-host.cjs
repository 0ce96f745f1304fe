// Entry of the chaos program's host process (inline-program.ts forks it): TypeScript through tsx's
// require hook, whatever loaded the parent (tsx's CLI, vitest), then the host itself.
require("tsx/cjs/api").register();
require("./program-host-main.ts");
