"""Multilingual boilerplate vocabulary shared by the HTML pre-cleaner and the line post-cleaner.

Everything here is *generic*: words and sentences that CMS themes and plugins print around
articles (comment forms, related-post blocks, share bars, newsletter boxes, cookie notices,
ad labels), in English, German, French, Spanish, Italian, Portuguese and Dutch.  No rule
names a particular site.

Texts are compared after :func:`norm` (NFKC, lower case, typographic apostrophes folded,
whitespace collapsed, decorative punctuation stripped at both ends).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "norm",
    "heading_category",
    "is_boilerplate_line",
    "is_ad_label",
    "READ_MORE_PREFIX_RE",
    "COOKIE_TEXT_RE",
    "SHARE_HREF_RE",
    "RELATED",
    "COMMENTS",
    "COMMENTS_WEAK",
    "NEWSLETTER",
    "SHARE",
    "BIO",
    "AD",
]

RELATED = "related"
COMMENTS = "comments"  # strong: "Leave a Reply", "12 Comments", "3 thoughts on ..."
COMMENTS_WEAK = "comments_weak"  # just "Comments"
NEWSLETTER = "newsletter"
SHARE = "share"
BIO = "bio"
AD = "ad"

_STRIP_CHARS = " \t\r\n:.!?…»«›‹-–—|•·*#>()[]{}\"'“”„‘’/\\+=~_→←↓↑▶►▸❯"


@lru_cache(maxsize=8192)  # pure; the same short texts recur (nested wrappers, repeated labels)
def norm(text: str) -> str:
    """Normalise a short label/line for pattern matching."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ").replace("\u200b", "")
    text = " ".join(text.split())
    return text.strip(_STRIP_CHARS)


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(alternatives) + ")", re.I)


_NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|ein|eine|zwei|drei|un|une|deux|trois|uno|una|dos|tres|due|tre|um|uma|dois|duas|één|een|twee|drie)"

# -- headings that open a boilerplate block ----------------------------------------------------

_HEADINGS: dict[str, re.Pattern[str]] = {
    RELATED: _rx(
        # en
        r"(?:similar|related|recommended|suggested|popular|recent|latest|trending|more|other|further|top|featured) (?:posts?|articles?|stories|news|reads?|content|videos?|coverage|entries|links|reading|headlines)",
        r"related", r"recommended(?: for you)?", r"read (?:more|next|also|this next)", r"also read", r"see also",
        r"more (?:from|in) .{1,60}", r"more on this (?:story|topic)", r"more (?:stories|news|articles)(?: from .{1,60})?",
        r"you (?:may|might|could|will) (?:also )?(?:like|enjoy|be interested in)(?: these)?(?: .{1,30})?",
        r"(?:don't|do not) miss(?: this)?", r"editor's picks?", r"most (?:read|popular|viewed|shared|commented)(?: .{1,30})?",
        r"what to read next", r"keep reading", r"up next", r"trending(?: now)?", r"in case you missed it", r"around the web",
        r"(?:sponsored|partner) (?:content|stories|links)", r"from (?:our|the) (?:partners|network|web)",
        r"more to (?:read|explore)", r"explore more", r"related (?:topics|coverage|reading|links)",
        # de
        r"ähnliche (?:beiträge|artikel|themen|nachrichten|posts)", r"verwandte (?:artikel|beiträge|themen)",
        r"(?:das|dies) (?:könnte|dürfte) (?:sie|dich) (?:auch |ebenfalls )?interessieren", r"mehr zum thema(?: .{1,40})?",
        r"weitere (?:artikel|beiträge|nachrichten|themen|meldungen)(?: .{1,40})?", r"auch interessant", r"weiterlesen",
        r"lesen sie (?:auch|mehr|weiter)", r"lies auch", r"meistgelesen(?:e)?(?: artikel)?", r"neueste (?:beiträge|artikel)",
        r"aktuelle (?:beiträge|artikel)", r"empfohlene (?:artikel|beiträge)", r"passend zum thema", r"beliebte (?:beiträge|artikel)",
        r"mehr (?:aus|von|zu) .{1,40}",
        # fr
        r"articles? (?:similaires|liés|connexes|recommandés|récents|populaires)", r"publications? (?:similaires|liées)",
        r"(?:à|a) lire (?:aussi|également|ensuite)", r"lire (?:aussi|également|la suite)", r"sur le même (?:sujet|thème)",
        r"vous (?:aimerez|aimeriez|pourriez aimer)(?: peut-être)?(?: aussi| également)?", r"(?:à|a) voir aussi",
        r"les plus (?:lus|populaires|partagés)", r"dans la même rubrique", r"(?:nos|d'autres) articles", r"ces articles peuvent vous intéresser",
        r"(?:plus|encore plus) d'articles", r"(?:à|a) découvrir(?: aussi)?",
        # es
        r"(?:artículos|entradas|publicaciones|noticias|posts) (?:relacionad[oa]s|similares|recientes|populares|recomendad[oa]s)",
        r"(?:también )?te (?:puede|podría) interesar", r"lee (?:también|más)", r"leer (?:más|también)", r"(?:lo )?más (?:leíd[oa]s?|visto)",
        r"te recomendamos", r"quizás te interese", r"más noticias", r"sigue leyendo", r"relacionad[oa]s",
        # it
        r"(?:articoli|post|notizie) (?:correlati|simili|recenti|popolari|consigliati)", r"(?:ti )?potrebbe (?:anche )?interessarti",
        r"potrebbero interessarti", r"leggi (?:anche|di più)", r"(?:i )?più lett[ei]", r"correlati", r"altre notizie", r"da non perdere",
        r"continua a leggere",
        # pt
        r"(?:artigos|posts|publicações|notícias|matérias) (?:relacionad[oa]s|semelhantes|similares|recentes|populares)",
        r"leia (?:também|mais)", r"veja (?:também|mais)", r"(?:você|voce) (?:também )?(?:pode|poderá) gostar", r"(?:as )?mais lidas",
        r"relacionad[oa]s", r"mais notícias", r"continue lendo",
        # nl
        r"(?:gerelateerde|vergelijkbare|soortgelijke|recente|populaire) (?:artikelen|berichten|posts|nieuws)", r"lees (?:ook|meer|verder)",
        r"(?:dit|deze) (?:vind je|vindt u) (?:misschien|wellicht) ook (?:leuk|interessant)", r"meest gelezen", r"meer nieuws",
        r"ook interessant", r"gerelateerd",
    ),
    COMMENTS: _rx(
        # en
        r"leave a (?:reply|comment|response)", r"(?:post|add|write|submit) (?:a |your )?comments?", r"join the (?:discussion|conversation)",
        _NUM + r" (?:comments?|responses?|replies|thoughts?)(?: (?:on|to) .{0,200})?", r"comments? \(\d+\)", r"\d+ comments? so far",
        r"cancel reply", r"reader comments",
        # de
        r"schreibe(?:n sie)? einen kommentar", r"hinterlasse(?:n sie)? (?:einen kommentar|eine antwort)", r"kommentar (?:verfassen|schreiben|abgeben)",
        _NUM + r" (?:kommentare?|antworten?)(?: (?:zu|auf) .{0,200})?", r"kommentare? \(\d+\)", r"antwort hinterlassen",
        # fr
        r"laisser un commentaire", r"laisser une réponse", r"ajouter un commentaire", r"(?:écrire|rédiger|publier) un commentaire",
        _NUM + r" (?:commentaires?|réponses?|réflexions?)(?: (?:sur|à|au sujet de) .{0,200})?", r"commentaires? \(\d+\)", r"réagir(?: à cet article)?",
        # es
        r"deja (?:una respuesta|un comentario|tu comentario)", r"dejar (?:una respuesta|un comentario)", r"(?:escribe|añade|agrega) (?:un|tu) comentario",
        _NUM + r" (?:comentarios?|respuestas?)(?: (?:a|en|sobre) .{0,200})?", r"comentarios? \(\d+\)",
        # it
        r"lascia (?:un commento|una risposta)", r"(?:scrivi|aggiungi) un commento", _NUM + r" (?:commenti|commento|risposte?)(?: (?:a|su) .{0,200})?",
        r"commenti \(\d+\)",
        # pt
        r"deixe (?:uma resposta|um comentário|seu comentário)", r"deixar (?:uma resposta|um comentário)", r"(?:escreva|adicione) um comentário",
        _NUM + r" (?:comentários?|respostas?)(?: (?:para|em|sobre) .{0,200})?", r"comentários? \(\d+\)",
        # nl
        r"laat een (?:reactie|antwoord) achter", r"(?:geef|plaats|schrijf) een reactie", r"reageer(?: op dit artikel)?",
        _NUM + r" (?:reacties?|antwoorden?)(?: op .{0,200})?", r"reacties? \(\d+\)",
    ),
    COMMENTS_WEAK: _rx(r"what do you think", r"have your say", r"discussion", r"diskussion", r"comments?", r"kommentare?", r"commentaires?", r"comentarios?", r"commenti", r"comentários?", r"reacties?", r"responses"),
    NEWSLETTER: _rx(
        r"(?:sign up|subscribe|register) (?:for|to) (?:our|the|my)?\s?(?:free )?(?:daily |weekly )?(?:newsletters?|updates|emails?|mailing list)(?: .{0,60})?",
        r"(?:get|receive) (?:our|the) (?:free )?(?:daily |weekly )?(?:newsletters?|updates)(?: .{0,60})?", r"newsletters?(?: sign ?up)?",
        r"subscribe(?: now| today| here)?", r"stay (?:informed|updated|in the loop|up to date)(?: .{0,60})?", r"join (?:our|the) (?:mailing list|newsletter)",
        r"newsletter (?:abonnieren|bestellen)", r"(?:melden sie sich|melde dich) (?:für|zu) (?:unseren?|den) newsletter an", r"jetzt (?:abonnieren|anmelden)",
        r"(?:inscrivez-vous|abonnez-vous) (?:à|a) (?:notre|la) (?:newsletter|lettre d'information)", r"recevez (?:notre|la) newsletter",
        r"suscr[ií]bete(?: a (?:nuestro|nuestra|el|la) (?:boletín|newsletter))?", r"(?:recibe|recibir) (?:nuestro|nuestra|el|la) (?:boletín|newsletter)",
        r"iscriviti(?: alla (?:nostra )?newsletter)?", r"(?:assine|inscreva-se)(?: (?:na|a) (?:nossa )?newsletter)?",
        r"(?:schrijf je in|meld je aan) (?:voor|op) (?:onze|de) nieuwsbrief", r"nieuwsbrief", r"abonneer(?: je)?(?: nu)?",
    ),
    SHARE: _rx(
        r"share(?: this)?(?: (?:article|story|post|page))?(?: on .{1,30})?", r"share (?:via|with) .{1,30}", r"like this", r"spread the word",
        r"teilen(?: mit)?", r"(?:diesen )?(?:artikel|beitrag) teilen", r"gefällt mir", r"partager(?: (?:cet article|ceci|la publication|sur .{1,30}))?",
        r"j'aime ceci", r"compartir(?: (?:esto|en .{1,30}))?", r"comparte(?: esto| este artículo)?", r"me gusta esto", r"condividi(?: (?:questo articolo|su .{1,30}))?",
        r"mi piace", r"compartilh(?:e|ar)(?: (?:isso|isto|este artigo))?", r"partilh(?:e|ar)(?: isto)?", r"curtir isso", r"(?:deel|delen)(?: dit(?: artikel| bericht)?)?",
        r"vind ik leuk",
    ),
    BIO: _rx(
        r"about the (?:author|writer|contributor)", r"(?:the )?author", r"written by .{1,60}", r"über (?:den autor|die autorin|die autoren)",
        r"zum autor", r"(?:à|a) propos de l'auteur", r"l'auteur", r"sobre (?:el|la|o|a) (?:autor|autora)", r"(?:sull'autore|l'autore|chi è l'autore)",
        r"over de (?:auteur|schrijver)",
    ),
}

_HEADING_ORDER = (COMMENTS, COMMENTS_WEAK, NEWSLETTER, RELATED, SHARE, BIO)
_HEADING_FULL = {cat: re.compile(rf"^(?:{rx.pattern})$", re.I) for cat, rx in _HEADINGS.items()}


@lru_cache(maxsize=8192)  # pure; the same short texts recur (nested wrappers, repeated labels)
def heading_category(text: str) -> str | None:
    """Category of a boilerplate heading/label text (already :func:`norm`-ed or raw)."""
    t = norm(text)
    if not t or len(t) > 220:
        return None
    for cat in _HEADING_ORDER:
        if _HEADING_FULL[cat].match(t):
            return cat
    return None


# -- ad labels ----------------------------------------------------------------------------------

_AD_LABEL_RE = re.compile(
    r"^(?:advertisement|advertisements|advertising|advert|ad|ads|sponsored|sponsored content|paid content|paid post|promoted|promotion|"
    r"anzeige|werbung|gesponsert|publicité|publicite|pub|annonce|contenu sponsorisé|publicidad|anuncio|patrocinado|contenido patrocinado|"
    r"pubblicità|pubblicita|sponsorizzato|publicidade|anúncio|conteúdo patrocinado|advertentie|gesponsord|"
    r"(?:story|article|content) continues below(?: (?:this )?(?:advertisement|ad))?|continue reading below|scroll to continue(?: with content)?|"
    r"skip (?:advertisement|ad)|(?:advertisement|ad) - scroll to continue|weiterlesen nach der anzeige|"
    r"la suite après (?:cette|la) publicité|el artículo continúa después de la publicidad|l'articolo continua (?:sotto|dopo la pubblicità)|"
    r"o texto continua após o anúncio|het artikel gaat verder onder de advertentie)$",
    re.I,
)


@lru_cache(maxsize=8192)  # pure; the same short texts recur (nested wrappers, repeated labels)
def is_ad_label(text: str) -> bool:
    t = norm(text)
    return bool(t) and len(t) <= 80 and bool(_AD_LABEL_RE.match(t))


# -- whole lines that are boilerplate (post-cleaning) -------------------------------------------

_LINE_PATTERNS = _rx(
    # comment forms, en
    r"your email address will not be published(?:.{0,200})?", r"(?:all )?required fields are marked(?: with)?(?: an asterisk)?",
    r"save my name,? e-?mail,? (?:and|&) website in this browser for the next time i comment",
    r"notify me of (?:follow-up comments|new comments|new posts|replies)(?: by e-?mail| via e-?mail)?(?:.{0,60})?",
    r"this site uses akismet to reduce spam(?:.{0,120})?", r"you must be logged in to post a comment", r"(?:post|submit) comment",
    r"comment(?: \*)?", r"name(?: \*)?", r"e-?mail(?: \*)?", r"website", r"(?:cancel )?reply", r"log in to (?:reply|comment)",
    r"comments are closed", r"(?:click|tap) to share on .{1,40}", r"(?:click|tap) to (?:email|print) (?:a link to a friend|this)?(?:.{0,40})?",
    r"like loading", r"be the first to (?:like|comment)(?: this)?", r"share this(?: article| story| post)?", r"like this",
    r"related", r"similar posts", r"related posts", r"(?:click|tap) here to (?:subscribe|sign up|read more)(?:.{0,60})?",
    r"sign up (?:for|to) (?:our|the) (?:free )?(?:daily |weekly )?newsletters?(?:.{0,120})?", r"subscribe to (?:our|the) newsletters?(?:.{0,120})?",
    r"(?:we|this (?:web)?site) uses? cookies(?:.{0,250})?", r"(?:accept|allow|reject|manage) (?:all )?cookies(?: settings)?",
    r"by continuing to (?:use|browse) (?:this|our) (?:site|website)(?:.{0,200})?", r"copyright ©?.{0,120}all rights reserved\.?",
    r"©.{0,120}all rights reserved", r"all rights reserved",
    r"(?:share|tweet|email|print|pin|whatsapp|facebook|twitter|linkedin|reddit)(?: (?:on|via) \w+)?", r"\(opens in new window\)",
    r"opens in (?:a )?new (?:window|tab)",
    r"our (?:editorial )?(?:standards|ethics policy|corrections policy)(?::.{0,100})?", r"(?:already (?:a )?subscribed|already have an account)\??(?: log ?in| sign ?in)?",
    r"subscribe to .{1,40} to (?:bookmark|save|read|unlock|continue|access)(?:.{0,80})?", r"(?:want to bookmark|start your) .{0,120}subscription today",
    r"(?:(?:photo|image|picture|video|foto|bild|fotos) )?(?:credits?|crédits?(?: photo)?|crédito|credito)\s*:\s*[^.!?]{1,80}",
    r"(?:foto|fotos|bild|photo|image)\s*:\s*[^.!?\s][^.!?]{0,40}",
    r"(?:log ?in|sign ?in|register) to (?:bookmark|save|comment|continue|read)(?:.{0,60})?", r"(?:download|get) (?:the|our) (?:free )?app(?:.{0,60})?",
    # de
    r"(?:deine|ihre) e-?mail-?adresse wird nicht veröffentlicht(?:.{0,200})?", r"erforderliche felder sind (?:mit \* )?markiert(?:.{0,20})?",
    r"(?:meinen|meine) namen?,? (?:meine )?e-?mail(?:-adresse)?(?:,? und (?:meine )?website)? in diesem browser speichern(?:.{0,120})?",
    r"schreibe einen kommentar(?:.{0,40})?", r"kommentar verfassen", r"teilen mit", r"gefällt mir(?: wird geladen)?", r"ähnliche beiträge",
    r"benachrichtige mich über (?:nachfolgende kommentare|neue beiträge)(?:.{0,60})?", r"(?:wir verwenden|diese (?:web)?seite verwendet|diese website nutzt) cookies(?:.{0,250})?",
    r"(?:melden sie sich|melde dich) für unseren newsletter an(?:.{0,120})?", r"newsletter abonnieren", r"zum newsletter anmelden",
    # fr
    r"votre adresse (?:e-?mail|de messagerie|courriel) ne sera pas publiée(?:.{0,200})?",
    r"les champs obligatoires sont (?:indiqués|marqués)(?: avec)?(?: \*)?", r"enregistrer mon nom,? (?:mon )?(?:adresse )?e-?mail et (?:mon )?site(?: web)? dans (?:ce|le) navigateur(?:.{0,120})?",
    r"laisser un commentaire", r"partager(?: ceci| cet article)?", r"j'aime(?: ceci)?(?: chargement)?", r"articles similaires", r"sur le même thème",
    r"(?:ce site|nous) utilis(?:e|ons) des cookies(?:.{0,250})?", r"(?:inscrivez-vous|abonnez-vous) (?:à|a) (?:notre|la) newsletter(?:.{0,120})?",
    r"prévenez-moi de (?:tous les nouveaux commentaires|tous les nouveaux articles)(?:.{0,60})?",
    # es
    r"tu (?:dirección de )?(?:correo electrónico|e-?mail) no (?:será|se) publicad[ao](?:.{0,200})?", r"los campos obligatorios están marcados(?: con)?(?: \*)?",
    r"guarda(?:r)? mi nombre,? (?:correo electrónico|e-?mail) y (?:sitio )?web en este navegador(?:.{0,120})?", r"deja (?:una respuesta|un comentario)",
    r"compartir esto", r"comparte esto", r"me gusta(?: esto)?(?: cargando)?", r"relacionado", r"(?:utilizamos|usamos|este sitio (?:web )?utiliza) cookies(?:.{0,250})?",
    r"suscríbete a (?:nuestro|nuestra) (?:boletín|newsletter)(?:.{0,120})?", r"avísame por correo electrónico(?:.{0,80})?",
    # it
    r"il tuo indirizzo (?:e-?mail|email) non sarà pubblicato(?:.{0,200})?", r"i campi obbligatori sono contrassegnati(?: con)?(?: \*)?",
    r"salva il mio nome,? (?:e-?mail|email) e sito web in questo browser(?:.{0,120})?", r"lascia un commento", r"condividi(?: questo articolo)?",
    r"mi piace(?: caricamento)?", r"correlati", r"(?:questo sito utilizza|utilizziamo i) cookie(?:.{0,250})?", r"iscriviti alla (?:nostra )?newsletter(?:.{0,120})?",
    # pt
    r"o seu (?:endereço de )?(?:e-?mail|email) não será publicado(?:.{0,200})?", r"seu (?:endereço de )?(?:e-?mail|email) não será publicado(?:.{0,200})?",
    r"(?:os )?campos obrigatórios (?:são|estão) marcados(?: com)?(?: \*)?",
    r"salvar (?:o )?meu nome,? (?:e-?mail|email) e (?:site|website) neste navegador(?:.{0,120})?", r"deixe (?:uma resposta|um comentário)", r"compartilhe isso",
    r"curtir isso(?: carregando)?", r"curtir", r"relacionado", r"(?:este site utiliza|utilizamos|usamos) cookies(?:.{0,250})?",
    r"(?:assine|inscreva-se (?:em|na)) (?:a )?nossa newsletter(?:.{0,120})?",
    # nl
    r"je e-?mailadres wordt niet gepubliceerd(?:.{0,200})?", r"uw e-?mailadres wordt niet gepubliceerd(?:.{0,200})?",
    r"vereiste velden zijn gemarkeerd met(?: \*)?", r"mijn naam,? e-?mail en (?:web)?site bewaren in deze browser(?:.{0,120})?",
    r"laat een reactie achter", r"delen", r"vind ik leuk(?: laden)?", r"gerelateerd", r"(?:deze (?:web)?site gebruikt|wij gebruiken|we gebruiken) cookies(?:.{0,250})?",
    r"(?:schrijf je in|meld je aan) voor (?:onze|de) nieuwsbrief(?:.{0,120})?",
)
_LINE_FULL = re.compile(rf"^(?:{_LINE_PATTERNS.pattern})$", re.I)

#: lines longer than this are never treated as boilerplate, whatever they contain
MAX_BOILERPLATE_LINE = 300


@lru_cache(maxsize=8192)  # pure; the same short texts recur (nested wrappers, repeated labels)
def is_boilerplate_line(line: str) -> bool:
    """True when the whole (short) line is a known boilerplate sentence/label."""
    if len(line) > MAX_BOILERPLATE_LINE:
        return False
    t = norm(line)
    if not t:
        return False
    if _LINE_FULL.match(t) or is_ad_label(t):
        return True
    # a short line that is exactly a boilerplate heading ("Leave a Reply", "Similar Posts", ...)
    cat = heading_category(t)
    return cat in (COMMENTS, RELATED, NEWSLETTER, SHARE) and len(t) <= 60 and not t.endswith((".", "!", "?"))


#: "Read more: <link>", "Lesen Sie auch: <link>", ... -- an inline pointer to another story
READ_MORE_PREFIX_RE = re.compile(
    r"^\W{0,3}(?:read (?:more|also|next)|also read|more|related|see also|watch|listen|recommended|don't miss|click here|"
    r"lesen sie (?:auch|mehr)|lies auch|mehr zum thema|auch interessant|siehe auch|"
    r"(?:à|a) lire (?:aussi|également)|lire (?:aussi|également)|voir aussi|"
    r"lee (?:también|más)|leer más|ver también|te puede interesar|"
    r"leggi (?:anche|di più)|vedi anche|"
    r"leia (?:também|mais)|veja (?:também|mais)|"
    r"lees (?:ook|meer)|zie ook|bekijk ook)\s*[:>|»›\-–—]",
    re.I,
)

COOKIE_TEXT_RE = re.compile(
    r"\b(?:cookies?|cookie-einstellungen|datenschutzeinstellungen|consent|consentement|consentimiento|consenso|consentimento|toestemming)\b",
    re.I,
)

#: links that belong to share bars
SHARE_HREF_RE = re.compile(
    r"(?:facebook\.com/(?:sharer|share|dialog/share)|twitter\.com/(?:intent|share|home\?status)|x\.com/(?:intent|share)|"
    r"linkedin\.com/(?:shareArticle|sharing|cws/share)|pinterest\.[a-z.]+/pin/create|reddit\.com/submit|tumblr\.com/(?:share|widgets/share)|"
    r"(?:api\.)?whatsapp\.com/send|wa\.me/|whatsapp:|t\.me/share|telegram\.me/share|xing\.com/(?:spi/shares|social/share)|vk\.com/share|"
    r"mailto:\?|mailto:[^?]*\?(?:subject|body)=|getpocket\.com/(?:save|edit)|flipboard\.com/bookmarklet|news\.ycombinator\.com/submitlink|"
    r"bsky\.app/intent|threads\.net/intent|mastodon|addtoany\.com|sharethis\.com|plus\.google\.com/share|line\.me/R/msg|"
    r"(?:^|[?&#])share=(?:facebook|twitter|x|linkedin|email|print|reddit|pinterest|whatsapp|telegram|tumblr|pocket|jetpack)|"
    r"^javascript:.*(?:share|print))",
    re.I,
)

def fold_case(text: str) -> str:
    """Lower case, with the two letters that ``re.I`` folds onto ASCII but ``str.lower``
    does not (long s, dotless i): substring pre-checks then never miss a regex match."""
    low = text.lower()
    if not low.isascii():
        low = low.replace("\u017f", "s").replace("\u0131", "i")
    return low


#: Literals one of which every :data:`SHARE_HREF_RE` match contains (lower case): a cheap
#: test that rules out ordinary links before the regex runs.
_SHARE_HREF_LITERALS = (
    "facebook.com", "twitter.com", "x.com", "linkedin.com", "pinterest.", "reddit.com", "tumblr.com",
    "whatsapp", "wa.me/", "t.me/", "telegram.me/", "xing.com/", "vk.com/", "mailto:", "getpocket.com/",
    "flipboard.com/", "news.ycombinator.com/", "bsky.app/", "threads.net/", "mastodon", "addtoany.com",
    "sharethis.com", "plus.google.com/", "line.me/", "share=", "javascript:",
)


_SHARE_HREF_GATE = re.compile("|".join(re.escape(lit) for lit in _SHARE_HREF_LITERALS))


def is_share_href(href: str) -> bool:
    """True when ``href`` is a share-bar link (:data:`SHARE_HREF_RE`)."""
    return _SHARE_HREF_GATE.search(fold_case(href)) is not None and SHARE_HREF_RE.search(href) is not None


#: Every :data:`COOKIE_TEXT_RE` match contains one of these (lower case).
_COOKIE_LITERALS = ("cookie", "consen", "toestemming", "datenschutzeinstellungen")


def may_mention_cookies(text: str | bytes) -> bool:
    """False when no part of ``text`` (or its UTF-8 bytes) can match :data:`COOKIE_TEXT_RE`
    (a cheap page-level test)."""
    if isinstance(text, bytes):
        if any(ch in text for ch in _FOLDED_UTF8):
            return may_mention_cookies(text.decode("utf-8", "replace"))
        low_bytes = text.lower()  # ASCII only: the literals are ASCII
        return any(lit in low_bytes for lit in _COOKIE_LITERALS_UTF8)
    low = fold_case(text)
    return any(lit in low for lit in _COOKIE_LITERALS)


#: non-ASCII letters that ``re.I`` folds onto ASCII ones (long s, dotless i, Kelvin sign), UTF-8
_FOLDED_UTF8 = ("\u017f".encode(), "\u0131".encode(), "\u212a".encode())
_COOKIE_LITERALS_UTF8 = tuple(lit.encode() for lit in _COOKIE_LITERALS)

