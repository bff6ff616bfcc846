// What a user does in the VS Code workbench, as Playwright steps on code-server's page. Selectors
// are VS Code 1.100's (see /work/shared/vscode-e2e/RECIPE.md, section 4).
import type { Locator, Page } from "./playwright";

export class Workbench {
  constructor(readonly page: Page) {}

  /** The Explorer lists the workspace: the workbench is ready. */
  async waitReady(fileName: string): Promise<void> {
    await this.page.locator(".explorer-folders-view .monaco-list-row", { hasText: fileName }).first().waitFor();
  }

  async openFile(fileName: string): Promise<void> {
    await this.page.locator(".explorer-folders-view .monaco-list-row", { hasText: fileName }).first().click();
    await this.page.locator(".monaco-editor .view-lines").first().waitFor();
  }

  lenses(): Locator {
    return this.page.locator(".monaco-editor .codelens-decoration");
  }

  async lensTexts(): Promise<string[]> {
    return this.lenses().evaluateAll((els) => els.map((e) => (e.textContent ?? "").trim()));
  }

  /** Waits until some lens line matches. */
  async waitForLens(pattern: RegExp, timeout = 60_000): Promise<void> {
    await this.page.waitForFunction(
      (source) => {
        const re = new RegExp(source);
        return [...document.querySelectorAll(".monaco-editor .codelens-decoration")].some((e) => re.test(e.textContent ?? ""));
      },
      pattern.source,
      { timeout, polling: 250 },
    );
  }

  /** Moves the cursor to a 1-based line (Ctrl+G), which scrolls it into the middle of the editor. */
  async goToLine(line: number): Promise<void> {
    await this.page.locator(".monaco-editor .view-lines").first().click();
    await this.page.keyboard.press("Control+G");
    await this.page.locator(".quick-input-widget .quick-input-box input").waitFor();
    await this.page.keyboard.type(String(line));
    await this.page.keyboard.press("Enter");
  }

  /** Hovers the first editor token equal to `word` on a line containing `lineText`; returns the hover text. */
  async hover(lineText: string, word: string, expect: string | RegExp): Promise<string> {
    const token = this.page
      .locator(".monaco-editor .view-lines .view-line", { hasText: lineText })
      .first()
      .locator("span > span", { hasText: new RegExp(`^${word}$`) })
      .first();
    const hover = this.page.locator(".monaco-hover:not(.hidden) .monaco-hover-content", { hasText: expect }).first();
    // Hovers follow mouse moves; an editor re-render under a still mouse can swallow one: retry.
    for (let attempt = 1; ; attempt++) {
      await this.page.mouse.move(1300, 850);
      await this.page.waitForTimeout(200);
      await token.hover();
      try {
        await hover.waitFor({ timeout: 5000 });
        return (await hover.innerText()).trim();
      } catch (e) {
        if (attempt >= 12) throw e;
      }
    }
  }

  async closeHover(): Promise<void> {
    await this.page.mouse.move(5, 450);
    await this.page.keyboard.press("Escape");
  }

  /** Runs a palette command by its title ("Jug: Start Workers"). */
  async command(title: string): Promise<void> {
    await this.page.keyboard.press("F1");
    await this.page.locator(".quick-input-widget .quick-input-box input").waitFor();
    await this.page.keyboard.type(title);
    await this.page.locator(".quick-input-list .monaco-list-row", { hasText: title.split(": ").pop() ?? title }).first().waitFor();
    await this.page.keyboard.press("Enter");
  }

  quickInput(): Locator {
    return this.page.locator(".quick-input-widget");
  }

  async openJugSidebar(): Promise<void> {
    // The item, not its link: once tasks are pending, the item's badge covers the link and takes the click.
    await this.page.locator('.part.activitybar .action-item:has(a[aria-label^="Jug"]), .part.activitybar .action-item[aria-label^="Jug"]').first().click();
    await this.page.locator(".part.sidebar .title-label", { hasText: /JUG/i }).first().waitFor();
  }

  treeRows(): Locator {
    return this.page.locator(".part.sidebar .monaco-list-row");
  }

  async treeTexts(): Promise<string[]> {
    return this.treeRows().evaluateAll((els) =>
      els.map((e) =>
        [e.querySelector(".label-name")?.textContent, e.querySelector(".label-description")?.textContent]
          .filter(Boolean)
          .join(" | ")
          .trim(),
      ),
    );
  }

  statusItem(): Locator {
    return this.page.locator(".statusbar .statusbar-item", { hasText: /Jug/ }).first();
  }

  notification(text: string | RegExp): Locator {
    return this.page.locator(".notifications-toasts .notification-toast", { hasText: text }).first();
  }

  /** The active editor tab's title. */
  async activeTabTitle(): Promise<string> {
    return (await this.page.locator(".tabs-container .tab.active").first().innerText()).trim();
  }

  editorText(): Locator {
    return this.page.locator(".editor-group-container.active .monaco-editor .view-lines").first();
  }
}
