"""Bad and unusual encodings must not crash and must give readable text."""

from __future__ import annotations

from crawler.extract import extract_page
from crawler.extract.decode import decode_body

from _extract_cases import EN_1, ps
from _extract_helpers import make_page

FR_TEXT = [
    "Le café du théâtre a rouvert ses portes après des travaux qui ont duré près d'un an, et les habitués ont retrouvé leur comptoir en zinc, désormais accompagné d'une terrasse élargie sur la place.",
    "La gérante explique que la rénovation a été financée en partie par une souscription lancée auprès des clients, qui ont réuni plus de vingt mille euros en quelques semaines à peine.",
    "Les spectateurs pourront désormais y dîner avant les représentations, grâce à une cuisine entièrement refaite où travaillent deux anciens élèves de l'école hôtelière de la région.",
]

JA_TEXT = [
    "市立図書館は来月から平日の開館時間を午後九時まで延長すると発表しました。試験期間中に夜間の利用者が大幅に増えたことを受けた措置です。",
    "図書館によりますと、延長時間帯には学生や仕事帰りの会社員が多く訪れ、閲覧室の座席がほぼ満席になる日もあったということです。",
    "市は今後二年間、地元の財団からの助成金で追加の職員を確保し、その後の継続については利用状況を見て判断するとしています。",
]


def _fr_html(meta: str = "") -> str:
    return f"<html lang=\"fr\"><head>{meta}<title>Le café du théâtre rouvre</title></head><body><article><h1>Le café du théâtre rouvre</h1>{ps(FR_TEXT)}</article></body></html>"


def test_cp1252_mislabeled_as_utf8():
    body = _fr_html('<meta charset="utf-8">').encode("cp1252")
    res = extract_page(make_page("https://gazette.example/2024/05/cafe-theatre-rouvre-apres-travaux", body, content_type="text/html; charset=utf-8"))
    assert res.kind == "article", res.reason
    assert "Le café du théâtre a rouvert ses portes" in res.article.text
    assert "\ufffd" not in res.article.text
    assert res.article.title == "Le café du théâtre rouvre"
    assert res.article.language == "fr"


def test_utf8_with_a_few_stray_bytes_stays_utf8():
    body = _fr_html().encode("utf-8").replace("réunis".encode(), b"r\xe9unis") + b"\x93"
    text, enc = decode_body(body, None, {"content-type": "text/html; charset=utf-8"})
    assert enc == "utf-8"
    assert "théâtre" in text


def test_shift_jis_with_meta_charset():
    html = f"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"><title>図書館の開館時間延長</title></head><body><article><h1>図書館の開館時間延長</h1>{ps(JA_TEXT)}</article></body></html>"
    body = html.encode("shift_jis")
    res = extract_page(make_page("https://tosho.example/news/2024/05/kaikan-jikan-encho-happyo", body, content_type="text/html"))
    assert res.kind == "article", res.reason
    assert JA_TEXT[0] in res.article.text
    assert res.article.title == "図書館の開館時間延長"
    assert res.article.language == "ja"
    assert res.article.word_count >= 60


def test_utf16_with_bom():
    html = f"<html><head><title>Market hall</title></head><body><article><h1>Market hall</h1>{ps(EN_1)}</article></body></html>"
    body = html.encode("utf-16")  # with BOM
    assert body[:2] in (b"\xff\xfe", b"\xfe\xff")
    res = extract_page(make_page("https://harbour-news.example/2024/03/12/grain-terminal-market-hall/", body, content_type="text/html; charset=utf-8"))
    assert res.kind == "article", res.reason
    assert EN_1[0] in res.article.text


def test_explicit_page_encoding_wins_over_header():
    body = _fr_html().encode("iso-8859-1")
    res = extract_page(make_page("https://gazette.example/2024/05/cafe-theatre-rouvre-apres-travaux", body, content_type="text/html; charset=utf-8", encoding="iso-8859-1"))
    assert "Le café du théâtre a rouvert" in res.article.text


def test_unknown_charset_label_and_xml_declaration():
    html = '<?xml version="1.0" encoding="utf-8"?>' + _fr_html('<meta charset="x-no-such-charset">')
    res = extract_page(make_page("https://gazette.example/2024/05/cafe-theatre-rouvre-apres-travaux", html.encode("utf-8"), content_type="application/xhtml+xml; charset=bogus"))
    assert res.kind == "article", res.reason
    assert "théâtre" in res.article.text


def test_binary_claiming_html_is_an_error_not_a_crash():
    body = bytes(range(0, 32)) * 400
    res = extract_page(make_page("https://gazette.example/blob", body, content_type="text/html"))
    assert res.kind in ("error", "not_html")
    assert res.reason
