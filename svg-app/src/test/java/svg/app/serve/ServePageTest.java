package svg.app.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import svg.nn.pipeline.SvgModel;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static svg.app.serve.ServeFixture.*;

/**
 * The web page in a real browser: Debian's chromium, headless, driven through Debian's chromedriver with Selenium
 * (both given by path, so Selenium Manager never looks for or downloads a driver). Picks a class, generates, waits
 * for the grid, checks that every image decoded and is the API's image for the same request, that the command
 * shown is the API's, and that Cancel (the page closing its connection) cancels the job on the server.
 *
 * <p>SKIPPED when /usr/bin/chromium or /usr/bin/chromedriver is missing (apt-get install chromium chromium-driver;
 * other paths with -Dsvg.serve.chromium=PATH, -Dsvg.serve.chromedriver=PATH).
 * With {@code -Dsvg.serve.screenshot=PATH} (or SVG_SERVE_SCREENSHOT=PATH) it generates eight images at the model's
 * default steps and saves a screenshot of the page to PATH (docs/images/serve.png is made this way).
 */
class ServePageTest {
    /** Debian's paths; -Dsvg.serve.chromium=PATH and -Dsvg.serve.chromedriver=PATH name others. */
    static final Path CHROMIUM = Path.of(System.getProperty("svg.serve.chromium", "/usr/bin/chromium")),
            CHROMEDRIVER = Path.of(System.getProperty("svg.serve.chromedriver", "/usr/bin/chromedriver"));

    /** Selenium warns that it has no DevTools support for this chromium version; the test uses none. */
    static final java.util.logging.Logger CDP_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools");

    static SvgServer server;
    static ChromeDriverService service;
    static WebDriver driver;

    static final boolean BROWSER = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    static final String SKIPPED = "SKIPPED: the browser test of svg serve's page needs Debian's chromium and chromium-driver ("
            + CHROMIUM + (Files.isExecutable(CHROMIUM) ? "" : " missing") + ", " + CHROMEDRIVER
            + (Files.isExecutable(CHROMEDRIVER) ? "" : " missing") + "): apt-get install chromium chromium-driver";

    @BeforeAll
    static void start(@TempDir Path profile) {
        if (!BROWSER) {
            System.err.println("ServePageTest " + SKIPPED);
            return;
        }
        CDP_LOG.setLevel(java.util.logging.Level.SEVERE);
        server = ServeFixture.start(Limits.defaults());
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogOutput(java.io.OutputStream.nullOutputStream()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,740", "--user-data-dir=" + profile.toAbsolutePath());
        driver = new ChromeDriver(service, options);
    }

    @BeforeEach
    void needsTheBrowser() {
        assumeTrue(BROWSER, SKIPPED);
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
        if (service != null) service.stop();
        if (server != null) server.close();
    }

    static WebDriverWait waitUpTo(int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(50));
    }

    static void type(String id, String value) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }

    @Test
    void generatesFromThePage() throws Exception {
        SvgModel model = ServeFixture.model();
        String screenshot = System.getProperty("svg.serve.screenshot", System.getenv("SVG_SERVE_SCREENSHOT"));
        boolean forDocs = screenshot != null && !screenshot.isBlank();
        int n = forDocs ? 8 : 3;
        int steps = forDocs ? model.sampling().steps() : 3;
        int classId = Math.min(7, model.numClasses() - 1); // sneaker in the Fashion-MNIST model

        driver.get(server.url().toString());
        waitUpTo(20).until(d -> d.findElement(By.id("generate")).isEnabled());
        assertTrue(driver.findElement(By.id("model-info")).getText().contains(model.numClasses() + " classes"));
        Select cls = new Select(driver.findElement(By.id("class")));
        assertEquals(model.numClasses(), cls.getOptions().size());
        cls.selectByValue(Integer.toString(classId));
        String label = model.classes().isEmpty() ? Integer.toString(classId) : model.classes().get(classId);
        assertTrue(cls.getFirstSelectedOption().getText().contains(label));
        type("n", Integer.toString(n));
        type("steps", Integer.toString(steps));
        driver.findElement(By.id("random")).click();
        String seed = driver.findElement(By.id("seed")).getDomProperty("value");
        assertTrue(seed.matches("\\d+"), "the random button fills in a seed: " + seed);
        driver.findElement(By.id("generate")).click();

        waitUpTo(forDocs ? 120 : 60).until(d -> d.findElements(By.cssSelector("#grid img")).size() == n
                && d.findElement(By.id("status")).getText().startsWith("done"));
        List<WebElement> imgs = driver.findElements(By.cssSelector("#grid img"));
        JavascriptExecutor js = (JavascriptExecutor) driver;
        for (WebElement img : imgs) {
            // decoded by the browser, at the model's size
            assertEquals(Boolean.TRUE, js.executeScript("return arguments[0].complete", img));
            assertEquals((long) model.outputSize(), js.executeScript("return arguments[0].naturalWidth", img));
        }
        List<WebElement> links = driver.findElements(By.cssSelector("#grid figcaption a"));
        assertEquals(n, links.size());
        for (WebElement a : links) {
            assertTrue(a.getDomAttribute("download").endsWith(".png"), a.getDomAttribute("download"));
            assertTrue(a.getDomProperty("href").startsWith("data:image/png;base64,"));
        }

        // the same request through the API gives the same images and the same command
        Reply api = post(server, "/api/generate", "{\"class\": " + classId + ", \"n\": " + n + ", \"steps\": " + steps
                + ", \"seed\": " + seed + "}");
        assertEquals(200, api.status(), api.body());
        Map<String, Object> m = api.json();
        List<?> images = (List<?>) m.get("images");
        for (int i = 0; i < n; i++)
            assertEquals("data:image/png;base64," + images.get(i), imgs.get(i).getDomAttribute("src"), "image " + i);
        assertEquals(m.get("command"), driver.findElement(By.id("command")).getText());
        assertTrue(((String) m.get("command")).contains("--seed " + seed + " "));

        if (forDocs) {
            Path out = Path.of(screenshot).toAbsolutePath();
            Files.createDirectories(out.getParent());
            Files.write(out, ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES));
            System.out.println("ServePageTest: wrote the screenshot " + out);
        }
    }

    /** A long request shows the progress bar; Cancel aborts the fetch, and the server cancels the job. */
    @Test
    void cancelStopsTheJobOnTheServer() throws Exception {
        long cancelled = num(health(server), "cancelled");
        driver.get(server.url().toString());
        waitUpTo(20).until(d -> d.findElement(By.id("generate")).isEnabled());
        type("n", Integer.toString(Limits.DEFAULT_MAX_N));
        type("steps", Integer.toString(Limits.DEFAULT_MAX_STEPS));
        driver.findElement(By.id("generate")).click();
        waitUpTo(30).until(d -> {
            WebElement p = d.findElement(By.id("progress"));
            return p.isDisplayed() && Double.parseDouble(p.getDomProperty("value")) > 0;
        });
        assertTrue(driver.findElement(By.id("status")).getText().startsWith("sampling"), driver.findElement(By.id("status")).getText());
        driver.findElement(By.id("cancel")).click();
        waitUpTo(10).until(d -> d.findElement(By.id("status")).getText().equals("cancelled"));
        assertTrue(driver.findElement(By.id("generate")).isEnabled());
        awaitHealth(server, "cancelled", cancelled + 1, Duration.ofSeconds(15));
    }
}
