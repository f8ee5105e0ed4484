/* Lesson block: read the text aloud with the browser's own speech synthesis. */
function LessonBlock(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  window.CourseBlocks.readAloud(root);
  return {};
}
