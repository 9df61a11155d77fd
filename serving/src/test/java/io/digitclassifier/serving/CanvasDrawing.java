package io.digitclassifier.serving;

import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * Digits drawn on the canvas page with the mouse, as a person draws them: the browser tests here
 * and cluster-tests' end-to-end export test share them.
 */
public final class CanvasDrawing {
  private CanvasDrawing() {}

  /**
   * A 7, a 1, a 0, a 4, a 2 and a 3, none of them from MNIST: strokes through points relative to
   * the canvas's centre.
   */
  public static final int[][][][] DRAWINGS = {
    {{{-60, -90}, {65, -90}}, {{65, -90}, {-15, 100}}},
    {{{5, -100}, {0, 100}}},
    {{{0, -95}, {-45, -70}, {-60, 0}, {-45, 75}, {0, 100}, {45, 75}, {60, 0}, {45, -70}, {0, -95}}},
    {{{-20, -100}, {-60, 20}, {60, 20}}, {{30, -60}, {30, 100}}},
    {{{-55, -60}, {-20, -95}, {30, -95}, {55, -55}, {40, -10}, {-60, 95}, {65, 95}}},
    {
      {
        {-50, -85},
        {0, -100},
        {45, -80},
        {40, -25},
        {-10, 0},
        {45, 25},
        {50, 80},
        {0, 100},
        {-55, 80}
      }
    },
  };

  /** Clears the page's canvas and draws {@code strokes} on it with the mouse. */
  public static void draw(WebDriver driver, int[][]... strokes) {
    WebElement canvas = driver.findElement(By.id("canvas"));
    driver.findElement(By.id("clear")).click();
    for (int[][] points : strokes) {
      Actions actions =
          new Actions(driver).moveToElement(canvas, points[0][0], points[0][1]).clickAndHold();
      // one move per corner: the pen draws a straight line with round caps from each position to
      // the next, so the strokes are those of many small moves, and each WebDriver move costs about
      // 45 ms (moves every 10-20 px took 25 s of each net's test)
      for (int i = 1; i < points.length; i++)
        actions.moveToElement(canvas, points[i][0], points[i][1]);
      actions.release().perform();
    }
  }
}
