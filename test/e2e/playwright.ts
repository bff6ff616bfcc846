// The part of playwright-core's API the end-to-end tests use. playwright-core is installed by
// test/e2e/install.sh into .e2e/tools (not a project dependency), so the tests must compile
// before it exists: these structural types mirror playwright-core 1.65's own declarations.
import { createRequire } from "node:module";
import { join } from "node:path";

export interface Locator {
  first(): Locator;
  last(): Locator;
  nth(index: number): Locator;
  locator(selector: string, options?: { hasText?: string | RegExp }): Locator;
  filter(options: { hasText?: string | RegExp; hasNotText?: string | RegExp }): Locator;
  waitFor(options?: { state?: "attached" | "detached" | "visible" | "hidden"; timeout?: number }): Promise<void>;
  click(options?: { button?: "left" | "right" | "middle"; timeout?: number; force?: boolean }): Promise<void>;
  dblclick(options?: { timeout?: number }): Promise<void>;
  hover(options?: { timeout?: number; force?: boolean }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  innerText(options?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
  count(): Promise<number>;
  isVisible(): Promise<boolean>;
  screenshot(options?: { path?: string; animations?: "disabled" | "allow" }): Promise<Buffer>;
  evaluateAll<R>(fn: (elements: Element[]) => R): Promise<R>;
}

export interface Frame {
  url(): string;
  locator(selector: string, options?: { hasText?: string | RegExp }): Locator;
  innerText(selector: string): Promise<string>;
}

export interface ConsoleMessage {
  type(): string;
  text(): string;
}

export interface Page {
  goto(url: string, options?: { waitUntil?: "load" | "domcontentloaded" | "networkidle" | "commit" }): Promise<unknown>;
  locator(selector: string, options?: { hasText?: string | RegExp }): Locator;
  keyboard: {
    press(key: string, options?: { delay?: number }): Promise<void>;
    type(text: string, options?: { delay?: number }): Promise<void>;
  };
  mouse: { move(x: number, y: number): Promise<void> };
  screenshot(options?: { path?: string; animations?: "disabled" | "allow"; fullPage?: boolean }): Promise<Buffer>;
  waitForFunction<A>(fn: (arg: A) => unknown, arg: A, options?: { timeout?: number; polling?: number | "raf" }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
  evaluate<R, A>(fn: (arg: A) => R, arg: A): Promise<R>;
  frames(): Frame[];
  setDefaultTimeout(ms: number): void;
  on(event: "console", listener: (message: ConsoleMessage) => void): void;
}

export interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface Chromium {
  launchPersistentContext(
    userDataDir: string,
    options: {
      executablePath: string;
      headless: boolean;
      env?: Record<string, string | undefined>;
      viewport?: { width: number; height: number };
      args?: string[];
    },
  ): Promise<BrowserContext>;
}

/** playwright-core's chromium launcher, loaded from the folder install.sh filled. */
export function loadChromium(toolsDir: string): Chromium {
  const requireFromTools = createRequire(join(toolsDir, "package.json"));
  return (requireFromTools("playwright-core") as { chromium: Chromium }).chromium;
}
