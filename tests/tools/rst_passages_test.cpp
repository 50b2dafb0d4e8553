#include "tools/rst_passages.h"

#include <gtest/gtest.h>

namespace agentcoder::tools {
namespace {

const char kPage[] = R"RST(:mod:`shapes` --- Geometric shapes
==================================

.. module:: shapes
   :synopsis: Shapes.

.. index:: single: circle; area

--------------

This module computes **areas** of :class:`~shapes.Circle` and *other* shapes.
See ``area()`` and `the web <https://example.org>`_.

.. _shapes-functions:

Functions
---------

.. function:: area(shape, \*, exact=False)
              area(radius)

   Return the area of *shape*.

   .. versionadded:: 3.10
      The *exact* flag.

.. class:: Circle(radius)

   A circle.

   .. method:: scale(factor)

      Grow the circle by *factor*.

   Text after the method, about circles again.

.. data:: shapes.UNIT

   The unit circle.

..
   A comment that no reader sees.

Examples
--------

Example::

   >>> area(Circle(1))
   3.14159
)RST";

TEST(RstPassages, SplitsAtSectionsAndDescriptions) {
  auto passages = rst_passages("library/shapes", kPage);
  std::vector<std::string> titles;
  for (const auto& p : passages) titles.push_back(p.title);
  std::vector<std::string> want = {"shapes \xE2\x80\x94 Geometric shapes",
                                   "shapes.area(shape, *, exact=False)",
                                   "shapes.Circle(radius)",
                                   "shapes.Circle.scale(factor)",
                                   "shapes.Circle(radius)",
                                   "shapes.UNIT",
                                   "Examples"};
  EXPECT_EQ(titles, want);
  for (const auto& p : passages) {
    EXPECT_EQ(p.page, "library/shapes");
    EXPECT_EQ(p.page_title, "shapes \xE2\x80\x94 Geometric shapes");
  }
}

TEST(RstPassages, NamesAndKeys) {
  auto passages = rst_passages("library/shapes", kPage);
  ASSERT_GE(passages.size(), 4u);
  EXPECT_EQ(passages[0].names, "shapes");  // the module's introduction
  EXPECT_EQ(passages[0].key, "shapes");
  EXPECT_EQ(passages[1].names, "shapes.area area");
  EXPECT_EQ(passages[1].key, "area");
  EXPECT_EQ(passages[3].names, "shapes.Circle.scale scale");
  EXPECT_EQ(passages[3].key, "scale");
}

TEST(RstPassages, TextIsPlain) {
  auto passages = rst_passages("library/shapes", kPage);
  ASSERT_GE(passages.size(), 7u);
  EXPECT_EQ(passages[0].text,
            "This module computes areas of Circle and other shapes.\nSee area() and the web.");
  EXPECT_EQ(passages[1].text, "Return the area of shape.\n\nNew in version 3.10.\n   The exact flag.");
  EXPECT_EQ(passages[2].text, "A circle.");
  EXPECT_EQ(passages[3].text, "Grow the circle by factor.");
  EXPECT_EQ(passages[4].text, "Text after the method, about circles again.");
  EXPECT_EQ(passages[5].text, "The unit circle.");
  EXPECT_EQ(passages[6].text, "Example:\n\n   >>> area(Circle(1))\n   3.14159");
}

TEST(RstPassages, SectionWithoutTextMakesNoPassage) {
  auto passages = rst_passages("p", "Title\n=====\n\nSub\n---\n\nbody\n");
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0].title, "Sub");
  EXPECT_EQ(passages[0].page_title, "Title");
}

TEST(RstPassages, OverlinedTitles) {
  auto passages = rst_passages("p", "*****\nTop\n*****\n\ntext\n");
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0].title, "Top");
  EXPECT_EQ(passages[0].text, "text");
}

TEST(RstPassages, InlineMarkup) {
  EXPECT_EQ(rst_inline_to_text(":func:`zip` and :meth:`str.join`"), "zip and str.join");
  EXPECT_EQ(rst_inline_to_text(":class:`~collections.OrderedDict`"), "OrderedDict");
  EXPECT_EQ(rst_inline_to_text(":ref:`the tutorial <tut-intro>`"), "the tutorial");
  EXPECT_EQ(rst_inline_to_text("``a * b`` is *not* **b * a**"), "a * b is not b * a");
  EXPECT_EQ(rst_inline_to_text("f(\\*args, \\*\\*kwargs)"), "f(*args, **kwargs)");
  EXPECT_EQ(rst_inline_to_text("x*y and 2*3"), "x*y and 2*3");
  EXPECT_EQ(rst_inline_to_text("the *i*-th item"), "the i-th item");
  EXPECT_EQ(rst_inline_to_text("Roughly equivalent to::"), "Roughly equivalent to:");
  EXPECT_EQ(rst_inline_to_text("as follows ::"), "as follows");
  EXPECT_EQ(rst_inline_to_text("::"), "");
}

TEST(RstPassages, NeverFailsOnOddInput) {
  EXPECT_TRUE(rst_passages("p", "").empty());
  EXPECT_TRUE(rst_passages("p", "======\n").empty());
  EXPECT_NO_THROW(rst_passages("p", ".. function::\n\n   x\n.. class::\n\t\ttab\n"));
}

}  // namespace
}  // namespace agentcoder::tools
