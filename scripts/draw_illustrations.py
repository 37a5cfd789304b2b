"""Draw the step-by-step pictures of the digital lessons: simplified phone screens.

    .venv/bin/python scripts/draw_illustrations.py          # (re)write every picture
    .venv/bin/python scripts/draw_illustrations.py --check  # fail if a file would change

Each picture is drawn by the project, not taken from an app: big labelled buttons,
numbered red badges in the order of the lesson's steps, and a band reading
"HÌNH MINH HỌA" / "ILLUSTRATION", so nobody mistakes it for a screenshot. A label in
quotes on a drawn button is a name the lesson itself gives (and courses/SOURCES.md
sources); elsewhere rows are grey bars, because an app's other menu names change between
versions and the lessons do not teach them.

The output is deterministic (fixed font, no dithering, no timestamps in the PNG), so
running the script again rewrites byte-identical files, and a changed picture shows up
in git as a change.
"""

# The pictures' sentences stay whole on one line each, like the lessons they repeat.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import io
import math
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "courses"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_BYTES = 60 * 1024  # a picture costs at most this much over a weak 3G line
LANGS = ("vi", "en")

WIDTH = 500
PHONE_X0, PHONE_X1 = 14, 392  # the phone; the gutter right of it holds the badges
SCREEN_PAD = 10
GUTTER_X = 446  # centre of the badges in the gutter

INK = (33, 33, 33)
GREY = (117, 117, 117)
LIGHT = (224, 224, 224)
PAPER = (255, 255, 255)
BACK = (245, 242, 235)
FRAME = (55, 55, 60)
BADGE = (198, 40, 40)
MARK = (255, 143, 0)
BAND = (121, 85, 72)
ZALO = (0, 104, 255)
VNEID = (176, 0, 32)
HANDBOOK = (183, 28, 28)
PHONE_UI = (69, 90, 100)
BROWSER = (84, 110, 122)
GREEN = (46, 125, 50)
BUBBLE_ME = (219, 234, 254)
BUBBLE_THEM = (240, 240, 240)

BAND_TEXT = {"vi": "HÌNH MINH HỌA", "en": "ILLUSTRATION"}
NOT_REAL = {
    "vi": "Hình vẽ đơn giản, không phải ảnh chụp màn hình thật.",
    "en": "A simple drawing, not a real screenshot.",
}


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    # The basic layout engine needs no system shaping library, so the pixels do not
    # depend on which libraqm a machine has; DejaVu holds every precomposed Vietnamese
    # letter, so no shaping is needed.
    return ImageFont.truetype(str(FONT_DIR / name), size, layout_engine=ImageFont.Layout.BASIC)


FONTS: dict[tuple[bool, int], ImageFont.FreeTypeFont] = {}


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    key = (bold, size)
    if key not in FONTS:
        FONTS[key] = _font(bold, size)
    return FONTS[key]


def tr(lang: str, vi: str, en: str) -> str:
    return vi if lang == "vi" else en


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for para in nfc(text).split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}".strip()
            if fnt.getlength(trial) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


@dataclass
class Target:
    number: int
    box: tuple[int, int, int, int]
    place: str  # "gutter" (right of the phone), "above" the target or on its "corner"


@dataclass
class Picture:
    """One phone screen, drawn top to bottom; badges and the legend come last."""

    lang: str
    title: str
    canvas: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)
    y: int = field(init=False)
    targets: list[Target] = field(default_factory=list)
    legend: list[tuple[int | None, str]] = field(default_factory=list)
    crosses: list[tuple[int, int, int, int]] = field(default_factory=list)
    screen_top: int = field(init=False)

    def __post_init__(self) -> None:
        self.canvas = Image.new("RGB", (WIDTH, 2400), BACK)
        self.draw = ImageDraw.Draw(self.canvas)
        band = BAND_TEXT[self.lang]
        self.draw.rectangle((0, 0, WIDTH, 40), fill=BAND)
        self._centred(band, 20, font(22, True), PAPER)
        y = 52
        for line in wrap(self.title, font(23, True), WIDTH - 28):
            self.draw.text((14, y), line, font=font(23, True), fill=INK)
            y += 30
        self.screen_top = y + 12 + 16  # the phone's frame, then its screen
        self.y = self.screen_top

    # -- helpers ---------------------------------------------------------------
    def t(self, vi: str, en: str) -> str:
        return tr(self.lang, vi, en)

    def ui(self, vi: str, en: str) -> str:
        """An app's own label: the app shows Vietnamese, English readers get a gloss."""
        return vi if self.lang == "vi" else f"{vi} ({en})"

    def _centred(self, text: str, cy: int, fnt: ImageFont.FreeTypeFont, fill, cx=None) -> None:
        cx = WIDTH // 2 if cx is None else cx
        self.draw.text((cx, cy), nfc(text), font=fnt, fill=fill, anchor="mm")

    @property
    def x0(self) -> int:
        return PHONE_X0 + 12 + SCREEN_PAD

    @property
    def x1(self) -> int:
        return PHONE_X1 - 12 - SCREEN_PAD

    def mark(self, number: int | None, box, place: str = "gutter") -> None:
        if number is not None:
            self.targets.append(Target(number, box, place))
            self.draw.rounded_rectangle(
                (box[0] - 4, box[1] - 4, box[2] + 4, box[3] + 4), 10, outline=MARK, width=4
            )

    def step(self, number: int | None, vi: str, en: str) -> None:
        """A legend line; None marks something the lesson says not to do."""
        self.legend.append((number, self.t(vi, en)))

    def text_block(self, text: str, x: int, y: int, width: int, fnt, fill=INK, gap=6) -> int:
        for line in wrap(text, fnt, width):
            self.draw.text((x, y), line, font=fnt, fill=fill)
            y += fnt.size + gap
        return y

    def text_height(self, text: str, fnt, width: int, gap=6) -> int:
        return len(wrap(text, fnt, width)) * (fnt.size + gap) - gap

    # -- screen elements ---------------------------------------------------------
    def header(self, title: str, color, back: bool = False, gear: int | None = None) -> None:
        top = self.y - SCREEN_PAD
        box = (PHONE_X0 + 12, top, PHONE_X1 - 12, top + 58)
        self.draw.rectangle(box, fill=color)
        x = box[0] + 16
        if back:
            self.draw.text((x, top + 29), "‹", font=font(40, True), fill=PAPER, anchor="lm")
            x += 28
        fnt = font(22, True)
        lines = wrap(title, fnt, box[2] - x - (60 if gear is not None else 12))
        self.draw.text((x, top + 29), lines[0], font=fnt, fill=PAPER, anchor="lm")
        if gear is not None:
            cx, cy = box[2] - 32, top + 29
            self.gear(cx, cy, PAPER)
            self.mark(gear, (cx - 20, cy - 20, cx + 20, cy + 20))
        self.y = top + 58 + 14

    def gear(self, cx: int, cy: int, color) -> None:
        for i in range(8):
            a = i * math.pi / 4
            dx, dy = math.cos(a) * 15, math.sin(a) * 15
            self.draw.line((cx, cy, cx + dx, cy + dy), fill=color, width=8)
        self.draw.ellipse((cx - 12, cy - 12, cx + 12, cy + 12), fill=color)
        self.draw.ellipse((cx - 5, cy - 5, cx + 5, cy + 5), fill=ZALO)

    def bars(self, count: int, height: int = 44) -> None:
        """Rows whose names the lesson does not give: grey bars, no invented labels."""
        for _ in range(count):
            self.draw.rounded_rectangle(
                (self.x0, self.y, self.x1, self.y + height), 8, fill=(250, 250, 250), outline=LIGHT
            )
            self.draw.rounded_rectangle(
                (self.x0 + 14, self.y + height // 2 - 6, self.x0 + 170, self.y + height // 2 + 6),
                6,
                fill=LIGHT,
            )
            self.y += height + 10

    def row(
        self,
        label: str,
        badge: int | None = None,
        toggle: bool | None = None,
        chevron: bool = True,
        bold: bool = True,
    ) -> tuple[int, int, int, int]:
        fnt = font(22, bold)
        right = 70 if toggle is not None else (34 if chevron else 12)
        height = max(52, self.text_height(label, fnt, self.x1 - self.x0 - 16 - right) + 24)
        box = (self.x0, self.y, self.x1, self.y + height)
        self.draw.rounded_rectangle(box, 8, fill=PAPER, outline=LIGHT, width=2)
        self.text_block(label, self.x0 + 14, self.y + 12, self.x1 - self.x0 - 16 - right, fnt)
        cy = self.y + height // 2
        if toggle is not None:
            tx = self.x1 - 62
            fill = GREEN if toggle else LIGHT
            self.draw.rounded_rectangle((tx, cy - 15, tx + 50, cy + 15), 15, fill=fill)
            kx = tx + 35 if toggle else tx + 15
            self.draw.ellipse((kx - 12, cy - 12, kx + 12, cy + 12), fill=PAPER)
        elif chevron:
            self.draw.text((self.x1 - 18, cy), "›", font=font(34, True), fill=GREY, anchor="mm")
        self.mark(badge, box)
        self.y += height + 10
        return box

    def button(self, label: str, badge: int | None = None, color=ZALO, outline=False):
        fnt = font(23, True)
        height = self.text_height(label, fnt, self.x1 - self.x0 - 30) + 28
        box = (self.x0 + 10, self.y, self.x1 - 10, self.y + height)
        if outline:
            self.draw.rounded_rectangle(box, 14, fill=PAPER, outline=color, width=3)
        else:
            self.draw.rounded_rectangle(box, 14, fill=color)
        y = self.y + 14
        for line in wrap(label, fnt, self.x1 - self.x0 - 30):
            self.draw.text(
                ((box[0] + box[2]) // 2, y),
                line,
                font=fnt,
                fill=color if outline else PAPER,
                anchor="ma",
            )
            y += fnt.size + 6
        self.mark(badge, box)
        self.y += height + 12
        return box

    def tiles(self, labels: list[tuple[str, int | None]], color) -> None:
        """A grid of two tiles a row; a None label is a tile the lesson does not name."""
        gap = 12
        width = (self.x1 - self.x0 - gap) // 2
        # The longest word must fit a tile: English glosses hold long words.
        size = 20
        longest = max(
            (w for lab, _ in labels if lab for w in nfc(lab).split()), key=len, default=""
        )
        while size > 14 and font(size, True).getlength(longest) > width - 24:
            size -= 1
        fnt = font(size, True)
        for i in range(0, len(labels), 2):
            pair = labels[i : i + 2]
            height = max(
                [88] + [self.text_height(lab, fnt, width - 20) + 56 for lab, _ in pair if lab]
            )
            for j, (label, badge) in enumerate(pair):
                x = self.x0 + j * (width + gap)
                box = (x, self.y, x + width, self.y + height)
                self.draw.rounded_rectangle(box, 12, fill=PAPER, outline=LIGHT, width=2)
                self.draw.rounded_rectangle(
                    (x + 12, self.y + 12, x + 44, self.y + 44), 8, fill=color if label else LIGHT
                )
                if label:
                    self.text_block(label, x + 12, self.y + 52, width - 20, fnt)
                else:
                    self.draw.rounded_rectangle(
                        (x + 12, self.y + 58, x + width - 30, self.y + 70), 6, fill=LIGHT
                    )
                self.mark(badge, box, "corner")
            self.y += height + gap

    def bubble(self, text: str, mine: bool = True, badge: int | None = None, voice: bool = False):
        fnt = font(21)
        width = self.x1 - self.x0 - 70
        if voice:
            height, text_w = 50, 190
        else:
            lines = wrap(text, fnt, width - 24)
            text_w = max(int(fnt.getlength(line)) for line in lines)
            height = len(lines) * (fnt.size + 6) + 18
        w = text_w + 28
        x0 = self.x1 - w if mine else self.x0
        box = (x0, self.y, x0 + w, self.y + height)
        self.draw.rounded_rectangle(box, 14, fill=BUBBLE_ME if mine else BUBBLE_THEM)
        if voice:
            cy = self.y + height // 2
            self.draw.polygon([(x0 + 18, cy - 11), (x0 + 18, cy + 11), (x0 + 36, cy)], fill=ZALO)
            for k in range(10):
                h = (6, 14, 20, 10, 18, 8, 16, 12, 20, 6)[k]
                bx = x0 + 50 + k * 11
                self.draw.line((bx, cy - h // 2, bx, cy + h // 2), fill=ZALO, width=5)
            self.draw.text((x0 + w - 14, cy), text, font=font(18), fill=GREY, anchor="rm")
        else:
            self.text_block(text, x0 + 14, self.y + 9, width - 24, fnt)
        self.mark(badge, box)
        self.y += height + 12
        return box

    def composer(
        self, typed: str = "", box_badge=None, mic_badge=None, send_badge=None, place="above"
    ) -> None:
        self.y += 40 if place == "above" and (mic_badge or send_badge or box_badge) else 0
        height = 58
        top = self.y
        self.draw.rectangle(
            (PHONE_X0 + 12, top - 8, PHONE_X1 - 12, top + height + 8), fill=(250, 250, 250)
        )
        field_box = (self.x0, top, self.x1 - 100, top + height)
        self.draw.rounded_rectangle(field_box, 22, fill=PAPER, outline=LIGHT, width=2)
        fnt = font(20)
        shown = typed or self.t("Tin nhắn", "Message")
        line = wrap(shown, fnt, field_box[2] - field_box[0] - 24)[0]
        if typed and line != nfc(typed):
            line = line + "…"
        self.draw.text(
            (self.x0 + 14, top + height // 2),
            line,
            font=fnt,
            fill=INK if typed else GREY,
            anchor="lm",
        )
        mic_c = (self.x1 - 76, top + height // 2)
        self.mic(*mic_c)
        send_c = (self.x1 - 24, top + height // 2)
        self.send(*send_c)
        self.mark(box_badge, field_box, place)
        self.mark(mic_badge, (mic_c[0] - 18, mic_c[1] - 22, mic_c[0] + 18, mic_c[1] + 22), place)
        self.mark(
            send_badge, (send_c[0] - 20, send_c[1] - 20, send_c[0] + 20, send_c[1] + 20), place
        )
        self.y = top + height + 20

    def keyboard(self, badge: int | None = None) -> None:
        """The on-screen keyboard, as grey keys: it differs from phone to phone."""
        top = self.y - 8
        box = (PHONE_X0 + 12, top, PHONE_X1 - 12, top + 150)
        self.draw.rectangle(box, fill=(236, 239, 241))
        key_w = (box[2] - box[0] - 22) // 10
        for r, keys in enumerate((10, 9, 7)):
            x = box[0] + 6 + (10 - keys) * key_w // 2
            for k in range(keys):
                kx = x + k * (key_w + 1)
                self.draw.rounded_rectangle(
                    (kx, top + 10 + r * 44, kx + key_w - 3, top + 46 + r * 44), 5, fill=PAPER
                )
        self.mark(badge, (box[0] + 4, top + 4, box[2] - 4, box[3] - 4))
        self.y = box[3] + 10

    def mic(self, cx: int, cy: int, color=GREY, scale: float = 1.0) -> None:
        s = scale
        self.draw.rounded_rectangle(
            (cx - 7 * s, cy - 16 * s, cx + 7 * s, cy + 4 * s), int(7 * s), fill=color
        )
        self.draw.arc(
            (cx - 12 * s, cy - 8 * s, cx + 12 * s, cy + 10 * s),
            0,
            180,
            fill=color,
            width=max(3, int(3 * s)),
        )
        self.draw.line((cx, cy + 10 * s, cx, cy + 17 * s), fill=color, width=max(3, int(3 * s)))

    def send(self, cx: int, cy: int) -> None:
        self.draw.polygon([(cx - 14, cy - 14), (cx - 14, cy + 14), (cx + 16, cy)], fill=ZALO)

    def search(self, text: str, badge: int | None = None, typed: bool = True) -> tuple:
        height = 56
        box = (self.x0, self.y, self.x1, self.y + height)
        self.draw.rounded_rectangle(box, 28, fill=PAPER, outline=GREY, width=2)
        cx, cy = self.x0 + 30, self.y + height // 2
        self.draw.ellipse((cx - 11, cy - 13, cx + 9, cy + 7), outline=GREY, width=4)
        self.draw.line((cx + 6, cy + 4, cx + 15, cy + 13), fill=GREY, width=5)
        fnt = font(21)
        line = wrap(text, fnt, box[2] - box[0] - 70)[0]
        if line != nfc(text):
            line += "…"
        self.draw.text((cx + 28, cy), line, font=fnt, fill=INK if typed else GREY, anchor="lm")
        self.mark(badge, box)
        self.y += height + 14
        return box

    def slider(self, label: str, badge: int | None = None) -> None:
        self.draw.text((self.x0, self.y), nfc(label), font=font(22, True), fill=INK)
        self.y += 40
        cy = self.y + 20
        self.draw.text((self.x0 + 4, cy), "A", font=font(18, True), fill=INK, anchor="lm")
        self.draw.text((self.x1 - 4, cy), "A", font=font(34, True), fill=INK, anchor="rm")
        sx0, sx1 = self.x0 + 32, self.x1 - 52
        knob = sx0 + int((sx1 - sx0) * 0.7)
        self.draw.line((sx0, cy, sx1, cy), fill=LIGHT, width=8)
        self.draw.line((sx0, cy, knob, cy), fill=PHONE_UI, width=8)
        self.draw.ellipse((knob - 16, cy - 16, knob + 16, cy + 16), fill=PHONE_UI)
        self.arrow((knob - 70, cy + 42), (knob + 50, cy + 42))
        self.mark(badge, (sx0 - 6, cy - 22, sx1 + 6, cy + 22))
        self.y += 90

    def arrow(self, start, end, color=BADGE, width=6) -> None:
        self.draw.line((*start, *end), fill=color, width=width)
        angle = math.atan2(end[1] - start[1], end[0] - start[0])
        size = 18
        left = (
            end[0] - size * math.cos(angle - 0.5),
            end[1] - size * math.sin(angle - 0.5),
        )
        right = (
            end[0] - size * math.cos(angle + 0.5),
            end[1] - size * math.sin(angle + 0.5),
        )
        self.draw.polygon([end, left, right], fill=color)

    def next_screen(self, title: str, color, back: bool = True) -> None:
        """A second screen under the first: a big arrow says "then this appears"."""
        self.y += 6
        cx = (PHONE_X0 + PHONE_X1) // 2
        self.draw.line((PHONE_X0 + 12, self.y, PHONE_X1 - 12, self.y), fill=FRAME, width=4)
        self.arrow((cx, self.y + 6), (cx, self.y + 50), color=FRAME, width=8)
        self.y += 66
        self.header(title, color, back=back)

    def post(self, author: str, text: str, badge_author=None, badge_photo=None) -> None:
        top = self.y
        box = (self.x0, top, self.x1, top + 10)
        self.draw.ellipse((self.x0 + 10, top + 10, self.x0 + 50, top + 50), fill=LIGHT)
        self.draw.text(
            (self.x0 + 62, top + 30), nfc(author), font=font(21, True), fill=INK, anchor="lm"
        )
        author_box = (
            self.x0 + 6,
            top + 6,
            self.x0 + 70 + int(font(21, True).getlength(nfc(author))),
            top + 54,
        )
        y = top + 64
        photo = (self.x0 + 10, y, self.x1 - 10, y + 130)
        self.draw.rectangle(photo, fill=(187, 222, 251))
        for k in range(5):
            yy = y + 30 + k * 20
            pts = [
                (photo[0] + i * 20, yy + (8 if i % 2 else -8))
                for i in range((photo[2] - photo[0]) // 20 + 1)
            ]
            self.draw.line(pts, fill=PAPER, width=6)
        y = photo[3] + 10
        y = self.text_block(text, self.x0 + 12, y, self.x1 - self.x0 - 24, font(21, True))
        box = (self.x0, top, self.x1, y + 6)
        self.draw.rounded_rectangle(box, 10, outline=LIGHT, width=2)
        self.mark(badge_author, author_box)
        self.mark(badge_photo, photo)
        self.y = y + 18

    def pinned(self, title: str, lines: list[str], badge: int | None = None) -> None:
        top = self.y
        y = top + 10
        self.draw.text((self.x0 + 12, y), "▲", font=font(16), fill=ZALO)
        self.draw.text((self.x0 + 34, y - 2), nfc(title), font=font(21, True), fill=ZALO)
        y += 32
        for line in lines:
            y = self.text_block(
                "• " + line, self.x0 + 12, y, self.x1 - self.x0 - 24, font(19), gap=4
            )
        box = (self.x0, top, self.x1, y + 6)
        self.draw.rounded_rectangle(box, 10, outline=ZALO, width=2)
        self.mark(badge, box)
        self.y = y + 20

    def field(self, label: str, value: str, badge: int | None = None, dropdown=False) -> None:
        self.y = self.text_block(label, self.x0, self.y, self.x1 - self.x0, font(19, True), GREY, 4)
        self.y += 4
        fnt = font(21)
        height = self.text_height(value, fnt, self.x1 - self.x0 - 60) + 24
        box = (self.x0, self.y, self.x1, self.y + height)
        self.draw.rounded_rectangle(box, 8, fill=PAPER, outline=GREY, width=2)
        self.text_block(value, self.x0 + 12, self.y + 12, self.x1 - self.x0 - 60, fnt)
        if dropdown:
            cx, cy = self.x1 - 24, self.y + height // 2
            self.draw.polygon([(cx - 10, cy - 5), (cx + 10, cy - 5), (cx, cy + 7)], fill=GREY)
        self.mark(badge, box)
        self.y += height + 14

    def checkbox(self, label: str, checked: bool, badge: int | None = None) -> None:
        fnt = font(20)
        height = max(36, self.text_height(label, fnt, self.x1 - self.x0 - 50))
        box = (self.x0, self.y, self.x1, self.y + height)
        self.draw.rectangle(
            (self.x0 + 2, self.y + 4, self.x0 + 30, self.y + 32),
            outline=INK,
            width=3,
            fill=GREEN if checked else PAPER,
        )
        if checked:
            self.draw.line(
                (self.x0 + 8, self.y + 18, self.x0 + 15, self.y + 26, self.x0 + 26, self.y + 10),
                fill=PAPER,
                width=4,
            )
        self.text_block(label, self.x0 + 44, self.y + 4, self.x1 - self.x0 - 50, fnt)
        self.mark(badge, box)
        self.y += height + 14

    def note(self, text: str) -> None:
        self.y = self.text_block(text, self.x0, self.y, self.x1 - self.x0, font(18), fill=GREY) + 8

    def cross_last(self, box) -> None:
        """A red cross over something the lesson says not to do."""
        self.crosses.append(box)

    def space(self, height: int) -> None:
        self.y += height

    # -- finishing ---------------------------------------------------------------
    def finish(self) -> Image.Image:
        """Frame the phone, place badges and the legend, crop, reduce to a palette."""
        screen_bottom = self.y + 6
        frame = (PHONE_X0, self.screen_top - 16, PHONE_X1, screen_bottom + 30)
        # The frame is drawn around the screen's content, leaving the content intact.
        d = self.draw
        d.rounded_rectangle(frame, 30, outline=FRAME, width=12)
        d.rectangle((frame[0] + 6, frame[1] + 6, frame[2] - 6, self.screen_top - 10), fill=FRAME)
        d.rectangle((frame[0] + 6, screen_bottom + 2, frame[2] - 6, frame[3] - 6), fill=FRAME)
        d.ellipse(
            (
                (frame[0] + frame[2]) // 2 - 8,
                screen_bottom + 8,
                (frame[0] + frame[2]) // 2 + 8,
                screen_bottom + 24,
            ),
            outline=(150, 150, 150),
            width=2,
        )
        for box in self.crosses:
            # Outline and a "no" sign on the corner: the crossed thing stays readable.
            d.rounded_rectangle(box, 12, outline=BADGE, width=5)
            self.no_sign(box[2], box[1] - 4, 20)
        for target in self.targets:
            x0, y0, x1, y1 = target.box
            if target.place == "gutter":
                cx, cy = GUTTER_X, (y0 + y1) // 2
                self.arrow((cx - 24, cy), (x1 + 10, cy))
            elif target.place == "corner":
                cx, cy = x1 - 10, y0 + 10
            else:
                cx, cy = (x0 + x1) // 2, y0 - 30
            self.badge(target.number, cx, cy)
        y = frame[3] + 18
        fnt = font(23)
        for number, text in self.legend:
            if number is None:
                self.no_sign(32, y + 14, 17)
            else:
                self.badge(number, 32, y + 14, radius=17, size=20)
            y = self.text_block(text, 60, y + 1, WIDTH - 74, fnt) + 10
        y = self.text_block(NOT_REAL[self.lang], 14, y + 4, WIDTH - 28, font(18), fill=GREY)
        image = self.canvas.crop((0, 0, WIDTH, y + 10))
        return image.quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)

    def no_sign(self, cx: int, cy: int, r: int) -> None:
        d = self.draw
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=BADGE, outline=PAPER, width=3)
        k = r * 9 // 20
        d.line((cx - k, cy - k, cx + k, cy + k), fill=PAPER, width=5)
        d.line((cx - k, cy + k, cx + k, cy - k), fill=PAPER, width=5)

    def badge(self, number: int, cx: int, cy: int, radius: int = 22, size: int = 26) -> None:
        self.draw.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius), fill=BADGE, outline=PAPER, width=3
        )
        self.draw.text((cx, cy), str(number), font=font(size, True), fill=PAPER, anchor="mm")


# ---------------------------------------------------------------------------------------
# The pictures. Each function draws one picture in one language; the labels in quotes
# are the ones the lesson names (see courses/SOURCES.md for where they were checked).
# ---------------------------------------------------------------------------------------


def zalo_text_message(lang: str) -> Picture:
    p = Picture(lang, tr(lang, "Gửi tin nhắn chữ trên Zalo", "Sending a text message in Zalo"))
    p.header(p.t("Chi bộ thôn", "Village cell"), ZALO, back=True)
    p.bubble(
        p.t("Đồng chí nào vắng thì báo trước nhé.", "Please say in advance if you cannot come."),
        mine=False,
    )
    p.bubble(p.t("Đã rõ.", "Noted."), mine=False)
    p.space(10)
    p.composer(
        typed=p.t(
            "Tối thứ Sáu, 19 giờ 30, chi bộ sinh hoạt", "Friday evening, 7.30 pm, cell meeting"
        ),
        box_badge=3,
        send_badge=5,
    )
    p.keyboard(badge=4)
    p.step(
        3,
        "Chạm vào ô soạn tin ở cuối màn hình. Bàn phím hiện lên.",
        "Tap the message box at the bottom of the screen. The keyboard appears.",
    )
    p.step(4, "Gõ nội dung ngắn gọn. Đọc lại một lượt.", "Type a short message. Read it once.")
    p.step(
        5,
        "Chạm vào nút gửi (hình mũi tên) ở bên phải.",
        "Tap the send button (the arrow) on the right.",
    )
    return p


def zalo_voice_message(lang: str) -> Picture:
    p = Picture(lang, tr(lang, "Gửi tin nhắn thoại trên Zalo", "Sending a voice note in Zalo"))
    p.header(p.t("Chi bộ thôn", "Village cell"), ZALO, back=True)
    p.bubble("0:12", mine=True, voice=True)
    p.space(6)
    p.composer(mic_badge=2)
    # The recording button the learner holds down.
    cx = (p.x0 + p.x1) // 2
    top = p.y + 10
    p.draw.ellipse((cx - 52, top, cx + 52, top + 104), fill=ZALO)
    p.mic(cx, top + 52, color=PAPER, scale=2.0)
    p.mark(3, (cx - 52, top, cx + 52, top + 104))
    p.y = top + 122
    p.step(
        2,
        "Chạm vào biểu tượng micro cạnh ô soạn tin.",
        "Tap the microphone icon next to the message box.",
    )
    p.step(
        3,
        "Nhấn và giữ nút ghi âm, nói rõ, chậm, gần điện thoại. Thả tay ra để gửi.",
        "Press and hold the record button, speak clearly and slowly, close to the phone. Let go to send.",
    )
    return p


def text_size(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Phóng to chữ trong Cài đặt của điện thoại",
            "Making the text larger in the phone's Settings",
        ),
    )
    p.header(p.t("Cài đặt", "Settings"), PHONE_UI)
    p.search(p.t("cỡ chữ", "font size"), badge=2)
    p.bars(2)
    p.space(6)
    p.slider(p.t("Cỡ chữ", "Font size"), badge=3)
    p.note(p.t("Tên mục khác nhau tùy loại máy.", "Menu names differ from phone to phone."))
    p.step(
        2,
        "Mở Cài đặt, gõ “cỡ chữ” vào ô tìm kiếm ở trên cùng (hoặc tìm trong mục Màn hình).",
        "Open Settings and type “font size” in the search box at the top (or look under Display).",
    )
    p.step(
        3,
        "Kéo thanh trượt sang phải đến khi đọc thoải mái.",
        "Drag the slider to the right until reading is comfortable.",
    )
    return p


def zalo_two_step_a(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Xác thực hai lớp trên Zalo (1): vào Cài đặt",
            "Two-step verification in Zalo (1): open Settings",
        ),
    )
    p.header("Cá nhân", ZALO, gear=2)
    p.draw.ellipse((p.x0 + 4, p.y, p.x0 + 74, p.y + 70), fill=LIGHT)
    p.draw.rounded_rectangle((p.x0 + 90, p.y + 22, p.x0 + 250, p.y + 44), 8, fill=LIGHT)
    p.y += 86
    p.bars(3)
    p.space(10)
    # The tab bar: only the tab the lesson names carries a label.
    top = p.y
    p.draw.line((PHONE_X0 + 12, top, PHONE_X1 - 12, top), fill=LIGHT, width=2)
    slot = (p.x1 - p.x0) // 4
    for i in range(4):
        cx = p.x0 + slot * i + slot // 2
        if i == 3:
            p.draw.rounded_rectangle((cx - 14, top + 12, cx + 14, top + 40), 6, fill=ZALO)
            p.draw.text((cx, top + 62), "Cá nhân", font=font(17, True), fill=ZALO, anchor="mm")
            p.mark(1, (cx - slot // 2 + 4, top + 6, cx + slot // 2 - 4, top + 78), "above")
        else:
            p.draw.rounded_rectangle((cx - 14, top + 12, cx + 14, top + 40), 6, fill=LIGHT)
            p.draw.rounded_rectangle((cx - 24, top + 54, cx + 24, top + 66), 6, fill=LIGHT)
    p.y = top + 86
    p.step(
        1,
        "Mở Zalo, chạm vào thẻ “Cá nhân” ở góc dưới bên phải.",
        "Open Zalo and tap the “Cá nhân” (Personal) tab at the bottom right.",
    )
    p.step(2, "Chạm vào “Cài đặt” (hình bánh răng).", "Tap “Cài đặt” (Settings, the gear icon).")
    return p


def zalo_two_step_b(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Xác thực hai lớp trên Zalo (2): bật lên",
            "Two-step verification in Zalo (2): switch it on",
        ),
    )
    p.header("Cài đặt", ZALO, back=True)
    p.row(p.ui("Tài khoản và bảo mật", "Account and security"), badge=3)
    p.bars(2)
    p.next_screen("Tài khoản và bảo mật", ZALO)
    p.bars(1)
    p.row(p.ui("Xác thực hai lớp", "Two-step verification"), badge=4, toggle=True)
    p.bars(1)
    p.step(
        3, "Chọn “Tài khoản và bảo mật”.", "Choose “Tài khoản và bảo mật” (Account and security)."
    )
    p.step(
        4,
        "Chọn “Xác thực hai lớp”, bật lên, rồi làm tiếp theo hướng dẫn trên màn hình.",
        "Choose “Xác thực hai lớp” (Two-step verification), switch it on, then follow the on-screen instructions.",
    )
    return p


def otp_never(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Mã OTP: không đọc cho ai, dù họ xưng là ai",
            "OTP code: never give it to anyone, whoever they say they are",
        ),
    )
    p.header(p.t("Tin nhắn", "Messages"), PHONE_UI, back=True)
    p.bubble(
        p.t(
            "Mã OTP của bạn là ••••••. Không cung cấp mã cho bất kỳ ai.",
            "Your OTP code is ••••••. Do not give this code to anyone.",
        ),
        mine=False,
    )
    p.space(8)
    p.draw.text(
        (p.x0, p.y),
        nfc(p.t("Người lạ gọi, nhắn:", "A stranger calls or writes:")),
        font=font(19, True),
        fill=GREY,
    )
    p.y += 30
    box = p.bubble(
        p.t(
            "Tôi là công an. Đọc ngay mã OTP vừa gửi về máy bác.",
            "I am the police. Read me the OTP code you just received.",
        ),
        mine=False,
    )
    p.cross_last(box)
    p.space(6)
    p.button(
        p.t("Cúp máy. Hỏi Công an xã.", "Hang up. Ask the commune police."), badge=1, color=GREEN
    )
    p.step(
        1,
        "Không đọc mã OTP. Cúp máy, tự gọi lại số mình đã biết hoặc đến hỏi Công an xã.",
        "Do not read out the code. Hang up, call back on a number you already know, or ask the commune police.",
    )
    return p


def vneid_stay_a(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Thông báo lưu trú trên VNeID (1): mở thủ tục",
            "Residence notification in VNeID (1): open the procedure",
        ),
    )
    p.header("VNeID", VNEID)
    p.tiles(
        [
            (None, None),
            (p.ui("Thủ tục hành chính", "Administrative procedures"), 1),
            (None, None),
            (None, None),
        ],
        VNEID,
    )
    p.next_screen("Thủ tục hành chính", VNEID)
    p.bars(1)
    p.row(p.ui("Thông báo lưu trú", "Residence notification"), badge=2)
    p.bars(1)
    p.step(
        1,
        "Đăng nhập VNeID. Ở màn hình chính, chọn “Thủ tục hành chính”.",
        "Sign in to VNeID. On the home screen choose “Thủ tục hành chính” (Administrative procedures).",
    )
    p.step(2, "Chọn “Thông báo lưu trú”.", "Choose “Thông báo lưu trú” (Residence notification).")
    return p


def vneid_stay_b(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Thông báo lưu trú trên VNeID (2): tạo yêu cầu",
            "Residence notification in VNeID (2): create a request",
        ),
    )
    p.header("Thông báo lưu trú", VNEID, back=True)
    p.row(p.ui("Cơ sở lưu trú", "Place of stay"), chevron=False)
    p.button(p.ui("Tạo mới yêu cầu", "Create new request"), badge=3, color=VNEID)
    p.next_screen("Tạo mới yêu cầu", VNEID)
    p.field(
        p.ui("Cơ quan công an thực hiện", "Police office in charge"),
        p.t("Chọn tỉnh, rồi chọn xã", "Choose the province, then the commune"),
        badge=4,
        dropdown=True,
    )
    p.field(
        p.t("Loại hình cơ sở lưu trú", "Type of place"),
        p.ui("Hộ gia đình", "Household"),
        badge=5,
        dropdown=True,
    )
    p.field(
        p.t("Tên cơ sở lưu trú", "Name of the place"),
        p.t("Chọn nhà mình trong danh sách", "Choose your home in the list"),
        dropdown=True,
    )
    p.button(p.ui("Tiếp tục", "Continue"), color=VNEID)
    p.step(
        3,
        "Chọn “Cơ sở lưu trú”, bấm “Tạo mới yêu cầu”.",
        "Choose “Cơ sở lưu trú” (Place of stay), tap “Tạo mới yêu cầu” (Create new request).",
    )
    p.step(
        4,
        "Ở “Cơ quan công an thực hiện”, chọn đủ tỉnh và xã.",
        "Under “Cơ quan công an thực hiện” (Police office in charge), choose both the province and the commune.",
    )
    p.step(
        5,
        "Chọn loại hình “Hộ gia đình”, chọn tên cơ sở lưu trú, bấm “Tiếp tục”.",
        "Choose the type “Hộ gia đình” (Household), the name of the place, and tap “Tiếp tục” (Continue).",
    )
    return p


def vneid_stay_c(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Thông báo lưu trú trên VNeID (3): khai người đến ở, gửi",
            "Residence notification in VNeID (3): add the guest, send",
        ),
    )
    p.header("Thông báo lưu trú", VNEID, back=True)
    p.button(p.ui("Thêm người lưu trú", "Add a person staying"), badge=6, color=VNEID, outline=True)
    p.checkbox(
        p.ui("Người thông báo là người lưu trú", "The notifier is the person staying"),
        checked=False,
    )
    p.field(
        p.t("Thông tin người lưu trú", "The guest's details"),
        p.t("Nhập theo ứng dụng yêu cầu", "Enter what the app asks for"),
    )
    p.field(
        p.t("Thông tin lưu trú", "Details of the stay"),
        p.t("Nhập theo ứng dụng yêu cầu", "Enter what the app asks for"),
        badge=7,
    )
    p.button(p.ui("Lưu", "Save"), color=VNEID, outline=True)
    p.button(p.ui("Gửi yêu cầu", "Send request"), badge=8, color=VNEID)
    p.step(
        6,
        "Bấm “Thêm người lưu trú”, nhập thông tin người đến ở. Nếu chính mình là người lưu trú, đánh dấu ô “Người thông báo là người lưu trú”.",
        "Tap “Thêm người lưu trú” (Add a person staying) and enter the guest's details. If you are the one staying, tick “Người thông báo là người lưu trú”.",
    )
    p.step(
        7,
        "Điền thông tin lưu trú, bấm “Lưu”.",
        "Fill in the details of the stay, tap “Lưu” (Save).",
    )
    p.step(
        8,
        "Xem lại thông tin, bấm “Gửi yêu cầu”.",
        "Check the details, tap “Gửi yêu cầu” (Send request).",
    )
    return p


def handbook_before_meeting(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Sổ tay đảng viên điện tử: chuẩn bị buổi sinh hoạt",
            "Party member e-handbook: preparing a meeting",
        ),
    )
    p.header("Sổ tay đảng viên", HANDBOOK)
    p.tiles(
        [
            (p.t("Tài liệu sinh hoạt", "Meeting documents"), 2),
            (p.t("Giấy mời họp", "Meeting invitations"), 3),
            (p.t("Điểm danh", "Attendance"), 5),
            (p.t("Nghị quyết", "Resolutions"), 6),
            (p.t("Học tập", "Study"), None),
            (p.t("Liên hệ", "Contact"), None),
        ],
        HANDBOOK,
    )
    p.note(
        p.t(
            "Tên và vị trí các mục có thể khác giữa các phiên bản.",
            "Names and places of the items can differ between versions.",
        )
    )
    p.step(
        2,
        "Đưa tài liệu lên Sổ tay ít nhất một ngày trước buổi sinh hoạt.",
        "Put the documents on the handbook at least one day before the meeting.",
    )
    p.step(
        3,
        "Gửi giấy mời họp qua Sổ tay cho đảng viên.",
        "Send the meeting invitation to members through the handbook.",
    )
    p.step(
        5,
        "Đến buổi sinh hoạt, điểm danh theo hướng dẫn của Đảng ủy xã.",
        "At the meeting, take attendance as the commune Party committee instructs.",
    )
    p.step(
        6,
        "Sau buổi họp, đưa nghị quyết hoặc kết luận lên để tra cứu lại.",
        "After the meeting, put up the resolution or conclusion so members can look it up.",
    )
    return p


def handbook_zalo_reminder(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Nhắc trên Zalo, nhưng tài liệu chỉ để trong Sổ tay",
            "Remind on Zalo, but documents stay in the handbook",
        ),
    )
    p.header(p.t("Chi bộ thôn", "Village cell"), ZALO, back=True)
    p.bubble(
        p.t(
            "Tài liệu đã có trên Sổ tay, đồng chí đọc trước.",
            "The documents are on the handbook; please read them beforehand.",
        ),
        mine=True,
        badge=4,
    )
    p.space(8)
    top = p.y
    w = 190
    box = (p.x1 - w - 14, top, p.x1, top + 150)
    p.draw.rounded_rectangle(box, 14, fill=BUBBLE_ME)
    p.draw.rectangle((box[0] + 16, top + 14, box[2] - 16, top + 136), fill=PAPER, outline=LIGHT)
    for k in range(6):
        p.draw.line(
            (box[0] + 30, top + 32 + k * 17, box[2] - 30, top + 32 + k * 17), fill=LIGHT, width=6
        )
    p.cross_last(box)
    p.y = top + 164
    p.space(10)
    p.composer()
    p.step(
        4,
        "Nhắn một tin ngắn vào nhóm chi bộ: tài liệu đã có trên Sổ tay.",
        "Send a short message to the cell group: the documents are on the handbook.",
    )
    p.step(
        None,
        "Không chụp tài liệu trên Sổ tay gửi vào nhóm Zalo hay mạng xã hội.",
        "Do not take screenshots of handbook documents for Zalo groups or social media.",
    )
    return p


def zalo_group_rules(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Nhóm Zalo của thôn: ghim nội quy, báo tin hai cách",
            "Village Zalo group: pin the rules, announce twice",
        ),
    )
    p.header(p.t("Nhóm thôn Cây Nhãn", "Cây Nhãn village group"), ZALO, back=True)
    p.pinned(
        p.t("Nội quy nhóm", "Group rules"),
        [
            p.t("Việc chung của thôn.", "Village business only."),
            p.t("Không quảng cáo, bán hàng.", "No adverts, no selling."),
            p.t("Không chuyển tin chưa rõ nguồn.", "No forwarding unsourced news."),
            p.t("Không đăng số giấy tờ người khác.", "No one else's ID or account numbers."),
            p.t("Nói lời lịch sự.", "Be polite."),
        ],
        badge=1,
    )
    p.bubble(
        p.t(
            "Tối thứ Bảy, 19 giờ 30, họp thôn tại nhà văn hóa.",
            "Saturday, 7.30 pm, village meeting at the cultural house.",
        ),
        mine=True,
        badge=4,
    )
    p.bubble("0:20", mine=True, voice=True)
    p.composer()
    p.step(
        1,
        "Viết nội quy năm đến bảy dòng, ghim lên đầu nhóm.",
        "Write rules of five to seven lines and pin them at the top of the group.",
    )
    p.step(
        4,
        "Thông báo quan trọng: một tin chữ ngắn, kèm một tin nhắn thoại đọc lại.",
        "Important notices: one short text message plus a voice note reading it out.",
    )
    return p


def zalo_group_manage(lang: str) -> Picture:
    p = Picture(
        lang,
        tr(
            lang,
            "Nhóm Zalo của thôn: quản trị và duyệt thành viên",
            "Village Zalo group: admins and approval",
        ),
    )
    p.header(p.t("Quản lý nhóm", "Managing the group"), ZALO, back=True)
    p.row(p.t("Người quản trị: tối đa 2 người", "Admins: two at most"), badge=2)
    p.row(p.t("Duyệt thành viên mới", "Approve new members"), badge=3, toggle=True)
    p.row(p.t("Danh sách thành viên: xem lại mỗi tháng", "Member list: review monthly"), badge=5)
    p.note(
        p.t(
            "Cách bật các chức năng này có thể khác giữa các phiên bản Zalo.",
            "How to turn these on can differ between Zalo versions.",
        )
    )
    p.step(2, "Chỉ để tối đa hai người quản trị.", "Keep at most two admins.")
    p.step(
        3,
        "Bật chế độ duyệt thành viên mới. Chỉ duyệt người trong thôn.",
        "Turn on approval of new members. Approve only people from the village.",
    )
    p.step(
        5, "Mỗi tháng xem lại danh sách thành viên một lần.", "Review the member list once a month."
    )
    return p


def binh_dan_hoc_vu_so(lang: str) -> Picture:
    p = Picture(lang, tr(lang, "Bắt đầu học “Bình dân học vụ số”", "Starting “Bình dân học vụ số”"))
    p.header(p.t("Trình duyệt", "Browser"), BROWSER)
    p.search("binhdanhocvuso.gov.vn", badge=1)
    p.button(
        p.t("Đăng nhập bằng tài khoản VNeID", "Sign in with your VNeID account"),
        badge=2,
        color=VNEID,
    )
    p.row(p.t("Bài 1: đọc và xem video", "Lesson 1: read and watch the video"), badge=3)
    p.bars(2)
    p.step(
        1,
        "Mở trình duyệt, gõ binhdanhocvuso.gov.vn.",
        "Open the browser and type binhdanhocvuso.gov.vn.",
    )
    p.step(
        2,
        "Đăng nhập bằng tài khoản VNeID. Chưa có tài khoản thì hỏi Công an xã.",
        "Sign in with your VNeID account. No account yet: ask the commune police.",
    )
    p.step(
        3, "Học bài đầu tiên: đọc và xem video.", "Take the first lesson: read and watch the video."
    )
    return p


def fact_check_steps(lang: str) -> Picture:
    p = Picture(lang, tr(lang, "Bốn bước Dừng – Xem – Tìm – Lần", "The four SIFT steps"))
    p.header(p.t("Nhóm thôn Thác Nông", "Thác Nông village group"), ZALO, back=True)
    p.post(
        p.t("Trang không tên", "A page with no name"),
        p.t("“Đập của xã vỡ rồi, bà con chạy ngay!”", "“The commune dam has burst, everyone run!”"),
        badge_author=2,
        badge_photo=4,
    )
    share = p.button(p.t("Chia sẻ", "Share"), badge=1, color=ZALO, outline=True)
    p.cross_last(share)
    p.next_screen(p.t("Tìm kiếm", "Search"), BROWSER, back=False)
    p.search(p.t("đập của xã vỡ", "commune dam burst"), badge=3)
    p.step(1, "Dừng lại: chưa chia sẻ, chưa bình luận.", "Stop: do not share or comment yet.")
    p.step(
        2,
        "Xem ai đăng: cơ quan nhà nước, báo có tên tuổi, hay trang lạ không tên?",
        "Investigate the source: a state body, a known newspaper, or an unknown page with no name?",
    )
    p.step(
        3,
        "Tìm nơi khác đưa tin: báo chính thống, báo của tỉnh, trang của xã.",
        "Find better coverage: mainstream press, the provincial paper, the commune's page.",
    )
    p.step(
        4,
        "Lần về gốc: ảnh này ban đầu từ đâu, lúc nào?",
        "Trace to the original: where and when did this photo first appear?",
    )
    return p


def fact_check_search(lang: str) -> Picture:
    p = Picture(lang, tr(lang, "Rời trang, tìm ở nơi khác", "Leave the page, search elsewhere"))
    p.header(p.t("Tìm kiếm", "Search"), BROWSER)
    p.search(p.t("đập của xã vỡ rồi", "commune dam has burst"), badge=3)
    p.row(
        p.t("Báo chính thống: có tin này không?", "Mainstream press: is it there?"),
        chevron=False,
        bold=False,
    )
    p.row(
        p.t(
            "Báo của tỉnh, trang của xã: có không?", "Provincial paper, commune page: is it there?"
        ),
        chevron=False,
        bold=False,
    )
    p.space(6)
    p.button(p.t("Tìm kiếm bằng hình ảnh", "Search by image"), badge=4, color=BROWSER, outline=True)
    p.row(
        p.t(
            "Ảnh đã có trên mạng từ mấy năm trước, ở tỉnh khác",
            "The photo was online years ago, from another province",
        ),
        chevron=False,
        bold=False,
    )
    p.step(
        3,
        "Tìm: chép câu chính của tin, dán vào ô tìm kiếm, xem báo chính thống, báo của tỉnh, trang của xã nói gì. Tin về xã: gọi hỏi xã.",
        "Find: copy the key sentence, paste it into the search box, and see what the press, the provincial paper and the commune say. About your commune: phone the commune.",
    )
    p.step(
        4,
        "Lần về gốc, với ảnh: tìm kiếm bằng hình ảnh (ví dụ Google Ống kính) để xem ảnh có từ bao giờ, ở đâu.",
        "Trace, for a photo: search by image (for example Google Lens) to see when and where it appeared before.",
    )
    return p


PICTURES: dict[str, dict[str, Callable[[str], Picture]]] = {
    "digital-skills": {
        "zalo-text-message": zalo_text_message,
        "zalo-voice-message": zalo_voice_message,
        "phone-text-size": text_size,
        "zalo-two-step-settings": zalo_two_step_a,
        "zalo-two-step-switch": zalo_two_step_b,
        "otp-never": otp_never,
        "vneid-stay-open": vneid_stay_a,
        "vneid-stay-request": vneid_stay_b,
        "vneid-stay-send": vneid_stay_c,
        "handbook-before-meeting": handbook_before_meeting,
        "handbook-zalo-reminder": handbook_zalo_reminder,
        "zalo-group-rules": zalo_group_rules,
        "zalo-group-manage": zalo_group_manage,
        "binh-dan-hoc-vu-so": binh_dan_hoc_vu_so,
    },
    "countering-misinformation": {
        "fact-check-steps": fact_check_steps,
        "fact-check-search": fact_check_search,
    },
}


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_all() -> dict[Path, bytes]:
    files = {}
    for module, pictures in PICTURES.items():
        for name, draw in pictures.items():
            for lang in LANGS:
                data = png_bytes(draw(lang).finish())
                path = COURSES / module / "images" / f"{name}-{lang}.png"
                if len(data) > MAX_BYTES:
                    raise SystemExit(f"{path.name} is {len(data)} bytes, over {MAX_BYTES}")
                files[path] = data
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a picture would change")
    args = parser.parse_args(argv)
    changed = []
    for path, data in render_all().items():
        if not path.exists() or path.read_bytes() != data:
            changed.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    for path in changed:
        print(("would change " if args.check else "wrote ") + str(path.relative_to(ROOT)))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
