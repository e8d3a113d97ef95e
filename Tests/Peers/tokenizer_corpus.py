"""Deterministic test strings for the tokenizer parity tests (WordPiece, and byte-level BPE with --bpe).

Prints one JSON object on stdout: {"singles": [text, ...], "pairs": [[a, b], ...]}. With --bpe, cases that
matter to byte-level BPE are added after the common ones (which stay exactly as they are): RoBERTa's special
tokens typed literally (<mask> strips the whitespace before it), the GPT-2 pattern's contractions, runs of
whitespace before words, numbers and symbols, and prefix-space edge cases.

Everything comes from a seeded random.Random, so a failure reproduces. The corpus covers what BERT's
normalizer and pre-tokenizer treat specially (accents and combining marks, CJK, controls, whitespace,
punctuation of every kind, emoji sequences), what WordPiece treats specially (words over 100 characters,
unknown pieces), truncation (texts over 256 tokens, pairs of every length balance), special tokens typed
literally, and a sweep of every code point of planes 0 and 1.
"""

import json
import random
import string
import sys

RNG = random.Random(20240611)

ENGLISH = (
    "the of and to in is was for on that with as by at from his her they we you it this which be are have "
    "had not but all were when there can an your more one about out would up so what time into some could "
    "people language tokenizer embedding server request response quickly jumped lazy brown fox dog cat "
    "understanding unbelievable internationalization misunderstanding photosynthesis antidisestablishment "
    "running swimming beautiful wonderful computer keyboard transformer attention sentence vector model "
    "Hello World London Paris Tuesday January OpenAI PyTorch ONNX Runtime Swift Linux iPhone McDonald's"
).split()

ACCENTED = (
    "café naïve résumé façade jalapeño señor über straße Ærøskøbing Øresund São Paulo Bogotá Zürich "
    "Crème brûlée déjà vu coöperate Ångström Dvořák Łódź Kraków İstanbul ıslak Şişli Tiếng Việt "
    "Nguyễn Đà Nẵng Ελλάδα Μύκονος ÉCOLE FRANÇAISE ÀÉÎÕÜ ǅ ǈ ǋ ﬁne ﬂour Ǆ ß ẞ"
).split()

COMBINING = [
    "e\u0301", "n\u0303", "u\u0308", "a\u030a", "c\u0327", "o\u0302\u0301", "a\u0301\u0316\u0300",
    "e\u0316\u0301", "e\u0301\u0316", "A\u0300", "I\u0307", "\u0301", "\u0301abc", "x\u20dd",
    "q\u0323\u0307", "q\u0307\u0323", "s\u0323\u0307", "\u1e69", "a\u0345", "\u0391\u0345", "k\u0336",
    "a\u034f\u0301", "\u05d1\u05bc", "\u0915\u093c", "\u0e01\u0e34", "g\u0308\u0308\u0308",
]

CHINESE = ["我爱北京天安门", "自然语言处理很有趣。", "今天天气怎么样？", "中華人民共和國", "漢字と仮名", "龍飛鳳舞", "𠀀𠀁𠮷野家", "豈更車賈"]
JAPANESE = ["こんにちは世界", "カタカナとひらがな", "東京は日本の首都です。", "ｶﾀｶﾅ ﾃｽﾄ", "がぎぐげご パピプペポ", "ヴァイオリン", "ＡＢＣ１２３！"]
KOREAN = ["안녕하세요", "한국어 자연어 처리", "대한민국 서울특별시", "ㄱㄴㄷ ㅏㅑㅓ", "똠방각하 쀍"]
OTHER_SCRIPTS = [
    "Привет, мир! Ёлка и йод.", "ΟΔΟΣ οδός ΣΟΦΙΑ σοφία ς", "مرحبا بالعالم ١٢٣", "السَّلَامُ عَلَيْكُمْ",
    "שָׁלוֹם עוֹלָם", "שלום עולם", "สวัสดีครับ ภาษาไทย", "नमस्ते दुनिया", "क़ ख़ ग़ ज़ ड़ ढ़",
    "தமிழ் மொழி", "ქართული ენა", "Հայերեն լեզու", "አማርኛ ቋንቋ", "ᚠᛇᚻ ᛒᛦᚦ", "ꦗꦮ", "𐌰𐌱𐌲 gothic",
]
EMOJI = [
    "😀", "👍🏽", "👍🏿 thumbs", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵🇺🇸", "1️⃣ 2️⃣", "❤️", "❤", "🧑🏻‍💻 coding",
    "🥲🫠🫶", "☃", "✂️", "🤷‍♀️", "👁‍🗨", "🙂🙃😉", "#️⃣", "©️ ®️ ™",
]
CONTROLS = ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\u200b", "\u200c", "\u200d",
            "\u200e", "\u202e", "\u2060", "\ufeff", "\u00ad", "\ufffd", "\ue000", "\U000f0000", "\u061c", "\u180e",
            "\U000e0001", "\U000e0041", "\ufe0f", "\U000e0100"]
WHITESPACE = [" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u1680", "\u2002", "\u2009", "\u200a", "\u2028",
              "\u2029", "\u202f", "\u205f", "\u3000"]
UNICODE_PUNCT = ["“", "”", "«", "»", "—", "–", "…", "¿", "¡", "‘", "’", "‹", "›", "„", "·", "•", "′", "″",
                 "‰", "§", "¶", "※", "、", "。", "「", "」", "『", "』", "【", "】", "〜", "・", "¦", "±", "×",
                 "÷", "°", "€", "£", "¥", "¢", "₹", "₿", "®", "©", "™", "⁂", "‽", "⸮", "჻", "᠅", "꧁", "꧂"]
NUMBERS = ["0", "42", "3.14159", "1,000,000", "-17", "+1e-9", "½", "¾", "①", "²", "³", "٣٤٥", "१२३", "Ⅻ",
           "0x1F600", "2024-06-11", "12:30:45", "99.9%", "$1,299.99", "€5", "#1", "1st 2nd 3rd 4th"]
URLS = ["https://example.com", "http://user:pass@host.example.org:8080/path/to/file.html?q=a+b&x=%20#frag",
        "www.example.co.uk", "ftp://files.example.net/pub", "https://例え.jp/パス", "mailto:someone@example.com",
        "someone@example.com", "first.last+tag@sub.example.org", "user_name@例え.jp", "file:///etc/passwd",
        "https://github.com/huggingface/tokenizers/issues/1234", "192.168.0.1:443", "[::1]:8080"]
SPECIAL_LITERALS = ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "[cls]", "[Sep]", "[[SEP]]", "[PAD", "MASK]",
                    "x[CLS]y", "[MASK][MASK]", "a [SEP] b", "[CLS]\u0301", "\u0301[SEP]", "[ MASK ]", "##ing",
                    "##", "#", "un##affable"]


def pick(items, k):
    return [RNG.choice(items) for _ in range(k)]


def english_sentence(words):
    text = " ".join(pick(ENGLISH, words))
    text = text[0].upper() + text[1:]
    return text + RNG.choice([".", "!", "?", "", "...", ";"])


def fuzz(length):
    alphabet = (list(string.ascii_letters + string.digits + string.punctuation) + ACCENTED[:10] + COMBINING
                + CONTROLS + WHITESPACE + UNICODE_PUNCT + list("中文かなカナ한글") + EMOJI[:6])
    return "".join(RNG.choice(alphabet) for _ in range(length))


def long_word(length, alphabet):
    return "".join(RNG.choice(alphabet) for _ in range(length))


def singles():
    out = []
    out += [english_sentence(RNG.randint(3, 25)) for _ in range(400)]
    out += ["%s %s %s" % (english_sentence(4), " ".join(pick(ACCENTED, 3)), english_sentence(3)) for _ in range(80)]
    out += ACCENTED + [w.upper() for w in ACCENTED] + COMBINING
    out += ["%s%s%s" % (english_sentence(2), RNG.choice(COMBINING), RNG.choice(ACCENTED)) for _ in range(60)]
    out += CHINESE + JAPANESE + KOREAN + OTHER_SCRIPTS + EMOJI
    out += ["%s %s %s" % (RNG.choice(CHINESE + JAPANESE + KOREAN), RNG.choice(ENGLISH), RNG.choice(OTHER_SCRIPTS))
            for _ in range(80)]
    out += ["%s%s%s" % (RNG.choice(ENGLISH), RNG.choice(EMOJI), RNG.choice(ENGLISH)) for _ in range(40)]
    out += ["a%sb" % c for c in CONTROLS] + ["%s" % c for c in CONTROLS] + ["x%sy%sz" % (c, c) for c in CONTROLS]
    out += ["a%sb" % w for w in WHITESPACE] + WHITESPACE + ["line one\nline two\r\nline\tthree\rfour"]
    out += ["\t".join(pick(ENGLISH, 5)) + "\n" for _ in range(20)]
    # Every ASCII punctuation mark alone, doubled, spaced and inside words.
    for c in string.punctuation:
        out += [c, c * 3, " %s " % c, "a%sb" % c, "word%s" % c, "%sword" % c, "it%ss" % c]
    out += UNICODE_PUNCT + ["a%sb" % p for p in UNICODE_PUNCT] + ["%shello%s" % (p, p) for p in UNICODE_PUNCT[:20]]
    out += NUMBERS + ["%s %s" % (n, RNG.choice(ENGLISH)) for n in NUMBERS] + URLS + SPECIAL_LITERALS
    out += ["", " ", "  ", "\t", "\n", "\n\n", " \t\r\n ", "\u3000", "\u00a0\u00a0", "\u200b", "\x00", "\ufeff \u00ad"]
    # WordPiece limits: exactly 100 and 101 characters, known and unknown pieces, mixed with short words.
    for length in (99, 100, 101, 150, 400):
        out += [long_word(length, "ab"), long_word(length, string.ascii_lowercase), "x " + long_word(length, "é") + " y"]
        out += [long_word(length, "中"), "pre " + "a" * length + " post", "e\u0301" * (length // 2 + 1)]
    out += ["supercalifragilisticexpialidocious" * 4, "ab" * 60 + "!" + "cd" * 60, "qxzqxzqxz", "zzzzzzzzzzzzz"]
    # Long texts, well past 256 tokens.
    out += [" ".join(english_sentence(RNG.randint(8, 20)) for _ in range(RNG.randint(20, 60))) for _ in range(30)]
    out += ["".join(RNG.choice(CHINESE) for _ in range(80)) for _ in range(5)]
    out += [" ".join(RNG.choice(ACCENTED + COMBINING + EMOJI + UNICODE_PUNCT) for _ in range(400)) for _ in range(5)]
    out += [fuzz(RNG.randint(1, 120)) for _ in range(700)]
    # Every code point of planes 0 and 1, 64 to a string, each between two letters so that drops, splits and
    # decompositions all change the ids.
    sweep = [chr(c) for c in range(0x80, 0x20000) if not 0xD800 <= c <= 0xDFFF]
    out += [" ".join("a%sa" % c for c in sweep[i:i + 64]) for i in range(0, len(sweep), 64)]
    return out


def pairs(texts):
    short = [t for t in texts if len(t) < 200]
    long = [t for t in texts if len(t) >= 400]
    out = [[RNG.choice(short), RNG.choice(short)] for _ in range(300)]
    out += [[RNG.choice(long), RNG.choice(short)] for _ in range(60)]
    out += [[RNG.choice(short), RNG.choice(long)] for _ in range(60)]
    out += [[RNG.choice(long), RNG.choice(long)] for _ in range(60)]
    # Equal and near-equal lengths, where longest-first truncation has to break ties.
    for words in (1, 2, 50, 126, 127, 128, 200):
        a = " ".join(pick(["cat", "dog", "sun"], words))
        b = " ".join(pick(["red", "big", "old"], words))
        c = " ".join(pick(["red", "big", "old"], words + 1))
        out += [[a, b], [b, a], [a, c], [c, a]]
    out += [["", ""], ["", "x"], ["x", ""], ["[SEP]", "[CLS]"], ["\x00", "\u200b"], [" ", "\t"]]
    return out


BPE_SPECIAL_LITERALS = [
    "<s>", "</s>", "<pad>", "<unk>", "<mask>", "a <mask> b", "a   <mask>b", "a\t\n <mask>", "<mask><mask>",
    " <mask>", "\u00a0<mask>", "\u3000<mask>x", "x<mask>y", "<s>hello</s>", "</s></s>", "<MASK>", "< mask >",
    "<mask", "mask>", "<<mask>>", "<s><s>", "Hello <mask>!", "The capital of France is <mask>.", "<pad> <pad>",
    "<unk>word", "word<unk>", "<s> </s>", "\u00e9<mask>\u00e9",
]
BPE_CONTRACTIONS = [
    "it's", "IT'S", "don't", "DON'T", "we're", "they've", "I'm", "you'll", "he'd", "'s", "'t", "'re", "'ve", "'m",
    "'ll", "'d", "'", "''", "'''s", "x'sy", "'re'", "' s", "\u2019s", "rock'n'roll", "'ll've", "o'clock", "'S",
    "'Re", "''ll", "a's's", "'dd", "'mm", "'lll", "Bob's 'quoted' text", " 's", "!'s", "1's", "\u00e9's", "'\u00e9",
]
BPE_SPACING = [
    "a  b", "a   b", "a    b", "a \tb", "a\t b", "a \n b", "a\n\n\nb", "   lead", "trail   ", "a \u00a0b",
    "a\u00a0 b", "x \u3000y", " \u00a0 x", "\u2028x", "x\u0085y", "x \u0085 y", "\u000b\u000cx", " 12", "  12",
    " !!", "  !!", " \u00e9", "  \u4e2d", "hello world", " hello world", "  hello  world  ", "\thello",
    "\nhello", " ", "  ", "   ", "\t", " \t ", "a ", "a  ", "a \t", "1 2  3   4", "x1y2z3", "123456789012",
    "\uff11\uff12\uff13", "\u00bd \u00be", "\u0661\u0662\u0663 \u0664", "3.14 2,718 1e10", "$100 \u20ac50",
    "...!!!???", "--> <-- ==>", "a.b.c", "(a)[b]{c}", "@user #tag", "\U0001F600\U0001F600 x", "x \U0001F600",
    "\u0301a", " \u0301", "a \u0301", "\u00e9\u0301x", "\u0915\u093f\u0924\u093e\u092c",
]


def bpe_extras(texts):
    """The byte-level cases alone, inside sentences, run together, and paired, from an RNG of their own."""
    rng = random.Random(20250101)
    extras = BPE_SPECIAL_LITERALS + BPE_CONTRACTIONS + BPE_SPACING
    singles = list(extras)
    singles += ["%s %s %s" % (rng.choice(texts[:400]), rng.choice(extras), rng.choice(extras))
                for _ in range(300)]
    singles += ["".join(rng.choice(extras) for _ in range(rng.randint(2, 12))) for _ in range(300)]
    pairs = [[rng.choice(extras), rng.choice(extras)] for _ in range(150)]
    pairs += [[rng.choice(texts), rng.choice(extras)] for _ in range(150)]
    return singles, pairs


def main():
    texts = singles()
    corpus = {"singles": texts, "pairs": pairs(texts[:3000])}
    if "--bpe" in sys.argv[1:]:
        extra_singles, extra_pairs = bpe_extras(texts)
        corpus["singles"] += extra_singles
        corpus["pairs"] += extra_pairs
    sys.stdout.buffer.write(json.dumps(corpus, ensure_ascii=False).encode("utf-8"))
    sys.stdout.buffer.write(b"\n")


if __name__ == "__main__":
    main()
