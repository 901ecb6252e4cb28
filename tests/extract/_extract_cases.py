"""Hand-written boilerplate regression pages (generated in code; all text is original).

Each case: a URL, the HTML, the article paragraphs that MUST appear in the extracted text and
the boilerplate sentences that MUST NOT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape


@dataclass
class Case:
    name: str
    url: str
    html: str
    paragraphs: list[str]
    boilerplate: list[str]
    lang: str = "en"
    extra_expect: dict = field(default_factory=dict)


def ps(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)


def page(head: str, body: str, lang: str = "en") -> str:
    return f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>"


NAV = """<header class="site-header"><a href="/">Home</a> <nav><ul><li><a href="/news/">News</a></li><li><a href="/sport/">Sport</a></li>
<li><a href="/culture/">Culture</a></li><li><a href="/about/">About us</a></li></ul></nav></header>"""

EN_1 = [
    "The harbour authority confirmed on Tuesday that the old grain terminal will be converted into a public market hall, ending a decade of uncertainty about the future of the waterfront site.",
    "Under the plan approved by the council, the brick warehouse will keep its facade while the interior is opened up to house forty stalls for local producers, a bakery school and a small ferry museum.",
    "Residents who attended the consultation evenings said they mostly wanted shade, benches and a way to reach the water without crossing the busy coastal road, and the architects say all three are in the final design.",
    "Construction is expected to start next spring and to last eighteen months, during which the promenade will stay open except for two short closures announced in advance.",
]
EN_2 = [
    "A small team of volunteers has spent three winters restoring the signal box at the disused valley station, replacing rotten timber and rewiring the lever frame by hand.",
    "The group began with a borrowed ladder and a single donated tin of paint; today it counts sixty members, two retired railway engineers among them, and a waiting list for the Saturday work parties.",
    "Visitors will be able to pull the restored levers themselves from May, when the box opens on the first weekend of every month together with a modest exhibition about the branch line.",
    "The volunteers hope the interest will persuade the regional transport board to reconsider a heritage service on the four miles of track that still survive between the two villages.",
]
EN_3 = [
    "Farmers in the northern districts began harvesting the early potato crop two weeks ahead of schedule after an unusually warm April, according to the regional agricultural office.",
    "The office said yields were slightly below average because of the dry spell in March, but that prices at the wholesale market had held steady thanks to strong demand from restaurants.",
    "Several growers said they had invested in drip irrigation over the winter and that the systems had paid for themselves within a single season by saving both water and labour.",
    "Agronomists warned, however, that the early start could leave fields exposed to late frosts and advised farmers to keep fleece covers ready until the middle of May.",
]
EN_4 = [
    "The city library will extend its opening hours on weekday evenings from next month after a pilot scheme showed that students and shift workers used the reading rooms long after the old closing time.",
    "Librarians counted more than three hundred visitors an hour between seven and nine in the evening during the trial, most of them using the quiet study desks and the free wireless network.",
    "The extension is funded by a grant from a local foundation for two years, after which the council will decide whether to pay for the extra staff from its own budget.",
    "A new self-service machine for returning books will also be installed at the side entrance so that readers can drop off loans when the building is closed.",
]
EN_5 = [
    "Engineers have finished the first load tests on the new cycle bridge over the river, driving three lorries filled with gravel onto the deck and measuring how far it bent under the weight.",
    "The deflection stayed well inside the limits set by the designers, the project manager said, and the bridge should open to cyclists and pedestrians at the end of the summer.",
    "The crossing will shorten the route between the station and the university campus by almost two kilometres and is expected to carry four thousand journeys on a typical weekday.",
    "Lighting along the deck will be dimmed after midnight to protect the bats that roost under the old stone arches of the neighbouring railway viaduct.",
]
EN_6 = [
    "The museum's new wing, which opens to the public on Saturday, is devoted entirely to the everyday objects that families donated after the flood of the nineteen-fifties.",
    "Curators spent two years cataloguing more than four thousand items, from water-stained photograph albums to a carved wooden horse that floated for three days before it was rescued.",
    "Each display case is accompanied by a short recorded interview with the donors or their grandchildren, who describe how the objects survived and why the families kept them.",
    "Entry to the wing is free for the first month, and the museum is running evening tours for schools that want to combine the visit with lessons on local history.",
]
RECALL = [
    "Opponents said they would leave a reply to the ministry's letter before the deadline, and that the consultation had been too short for most residents to comment properly on the plans.",
    "The website of the agency, which says it uses cookies to count visitors, was offline for most of the afternoon, leaving journalists to rely on a printed summary of the report.",
    "He declined to comment.",
    "Related measures, including a tax on plastic packaging and a deposit scheme for cans, will be debated in parliament next week, where the governing coalition holds a narrow majority.",
    "Subscribers to the local paper had been the first to report the story, which the editor said showed that readers still share tips with journalists they trust.",
]


def share_bar(label: str = "Share this:") -> str:
    return f"""<div class="share-tools"><h3>{label}</h3><ul>
<li><a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a></li>
<li><a href="https://twitter.com/intent/tweet?url=x">Twitter</a></li>
<li><a href="mailto:?subject=Look&body=x">Email</a></li></ul></div>"""


def related_list(heading: str, titles: list[str], tag: str = "h3") -> str:
    items = "".join(f'<li><a href="/2023/0{i + 1}/{t.lower().replace(" ", "-")}/">{t}</a></li>' for i, t in enumerate(titles))
    return f"<{tag}>{heading}</{tag}><ul>{items}</ul>"


RELATED_TITLES = ["Council approves new tram depot", "Fishing fleet returns early", "Winter storms close the pier"]


def wp_comment_form(reply_title: str, notes: str, comment_label: str, cookies_consent: str, submit: str, classes: bool) -> str:
    if classes:
        return f"""<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">{reply_title}</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-notes"><span id="email-notes">{notes}</span></p>
<p class="comment-form-comment"><label for="comment">{comment_label}</label><textarea id="comment" name="comment"></textarea></p>
<p class="comment-form-author"><label for="author">Name *</label><input id="author" name="author" type="text"></p>
<p class="comment-form-email"><label for="email">Email *</label><input id="email" name="email" type="email"></p>
<p class="comment-form-cookies-consent"><input type="checkbox"><label>{cookies_consent}</label></p>
<p class="form-submit"><input type="submit" value="{submit}"></p></form></div>"""
    return f"""<div><h3>{reply_title}</h3><p>{notes}</p>
<form action="/wp-comments-post.php" method="post"><p><label>{comment_label}</label><textarea name="comment"></textarea></p>
<p><label>Name *</label><input name="author" type="text"></p><p><label>Email *</label><input name="email" type="email"></p>
<p><input type="checkbox"><label>{cookies_consent}</label></p><p><input type="submit" value="{submit}"></p></form></div>"""


CASES: list[Case] = []

# 1. WordPress classic theme, with class names
CASES.append(
    Case(
        "wordpress_classic",
        "https://harbour-news.example/2024/03/12/grain-terminal-market-hall/",
        page(
            '<title>Grain terminal to become market hall – Harbour News</title><meta property="og:type" content="article">',
            NAV
            + f"""<div id="content" class="site-content"><main id="main"><article id="post-12" class="post-12 post type-post status-publish format-standard hentry category-local">
<header class="entry-header"><h1 class="entry-title">Grain terminal to become market hall</h1><div class="entry-meta">Posted on <time>March 12, 2024</time> by <a href="/author/ed/">Ed Porter</a></div></header>
<div class="entry-content">{ps(EN_1)}
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3><div class="sd-content"><ul>
<li><a class="share-twitter" href="https://harbour-news.example/?share=twitter">Click to share on Twitter (Opens in new window)</a></li>
<li><a class="share-facebook" href="https://harbour-news.example/?share=facebook">Click to share on Facebook (Opens in new window)</a></li></ul></div></div></div>
<div class="sharedaddy sd-block sd-like"><h3 class="sd-title">Like this:</h3><div class="likes-widget-placeholder">Like Loading...</div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3>
<div class="jp-relatedposts-items"><p class="jp-relatedposts-post"><a href="/2024/01/02/ferry/">New ferry timetable</a> In "Local"</p><p class="jp-relatedposts-post"><a href="/2024/02/02/pier/">Pier repairs delayed</a> In "Local"</p></div></div>
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/local/">Local</a></span></footer></article>
<nav class="navigation post-navigation"><div class="nav-links"><div class="nav-previous"><a href="/2024/03/10/x/">Previous post: Ferry strike called off after talks</a></div></div></nav>
<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on “Grain terminal to become market hall”</h2>
<ol class="comment-list"><li class="comment"><div class="comment-body"><p>Finally some good news for the waterfront, I hope the stalls will be affordable for small farmers from the valley.</p><div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></div></li>
<li class="comment"><div class="comment-body"><p>The parking situation around the terminal is already terrible on market days, who is going to fix that before the hall opens?</p></div></li></ol>
{wp_comment_form("Leave a Reply", "Your email address will not be published. Required fields are marked *", "Comment *", "Save my name, email, and website in this browser for the next time I comment.", "Post Comment", True)}
</div></main>
<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul><li><a href="/a/">Ferry strike called off after talks</a></li><li><a href="/b/">Lifeboat crew honoured</a></li></ul></section></aside></div>
<footer class="site-footer">Proudly powered by WordPress</footer>""",
        ),
        EN_1,
        [
            "Share this:", "Click to share on Twitter", "Like this:", "Like Loading", "Related", "New ferry timetable", "Pier repairs delayed",
            "thoughts on", "Finally some good news", "parking situation", "Leave a Reply", "Your email address will not be published",
            "Required fields are marked", "Save my name, email, and website", "Post Comment", "Recent Posts", "Lifeboat crew honoured",
            "Proudly powered",
        ],
    )
)

# 2. WordPress-like theme WITHOUT telltale class names (the leaked-footer case)
CASES.append(
    Case(
        "wordpress_classless",
        "https://valley-post.example/volunteers-restore-signal-box/",
        page(
            "<title>Volunteers restore signal box</title>",
            f"""<div><div><a href="/">Valley Post</a></div>
<div><div><h1>Volunteers restore signal box</h1><div>March 3, 2024</div>
<div>{ps(EN_2)}</div>
<div><h3>Similar Posts</h3><div>
<div><a href="/branch-line-history/"><img src="/a.jpg" alt=""></a><h4><a href="/branch-line-history/">A short history of the branch line</a></h4><div>January 5, 2024</div></div>
<div><a href="/station-garden/"><img src="/b.jpg" alt=""></a><h4><a href="/station-garden/">Station garden wins county prize</a></h4><div>February 9, 2024</div></div>
<div><a href="/steam-gala/"><img src="/c.jpg" alt=""></a><h4><a href="/steam-gala/">Steam gala returns this summer</a></h4><div>February 20, 2024</div></div>
</div></div>
{wp_comment_form("Leave a Reply", "Your email address will not be published. Required fields are marked *", "Comment *", "Save my name, email, and website in this browser for the next time I comment.", "Post Comment", False)}
</div></div><div>© 2024 Valley Post</div></div>""",
        ),
        EN_2,
        [
            "Similar Posts", "A short history of the branch line", "Station garden wins county prize", "Steam gala returns", "Leave a Reply",
            "Your email address will not be published", "Required fields are marked", "Save my name, email, and website in this browser for the next time I comment.",
        ],
    )
)

# 3. Flat class-less theme: everything as siblings in one container, notes outside the form
CASES.append(
    Case(
        "flat_classless_footer",
        "https://northern-fields.example/news/early-potato-harvest",
        page(
            "<title>Early potato harvest</title>",
            f"""<div><h1>Early potato harvest starts in the north</h1>
{ps(EN_3)}
<h3>Similar Posts</h3>
<ul><li><a href="/news/apple-blossom">Apple blossom arrives early</a></li><li><a href="/news/dairy-prices">Dairy prices steady</a></li></ul>
<h3>Leave a Reply</h3>
<p>Your email address will not be published. Required fields are marked *</p>
<form method="post"><textarea name="comment"></textarea><input type="email" name="email"><input type="submit" value="Post Comment"></form>
<p>Save my name, email, and website in this browser for the next time I comment.</p>
</div>""",
        ),
        EN_3,
        ["Similar Posts", "Apple blossom arrives early", "Dairy prices steady", "Leave a Reply", "Your email address", "Required fields", "Save my name"],
    )
)

# 4. Drupal-like
CASES.append(
    Case(
        "drupal",
        "https://citylibrary-news.example/node/4521",
        page(
            '<title>Library extends evening hours | City News</title><meta property="og:type" content="article">',
            NAV
            + f"""<div class="layout-container"><main role="main"><div class="region region-content">
<article role="article" class="node node--type-article node--view-mode-full"><h1 class="page-title"><span class="field field--name-title">Library extends evening hours</span></h1>
<div class="node__content"><div class="clearfix text-formatted field field--name-body field--type-text-with-summary field__item">{ps(EN_4)}</div>
<div class="field field--name-field-tags field--type-entity-reference"><div class="field__label">Tags</div><div class="field__items"><div class="field__item"><a href="/taxonomy/term/3">Libraries</a></div></div></div>
<section class="field field--name-comment comment-wrapper"><h2 class="title comment-form__title">Add new comment</h2>
<form class="comment-comment-form comment-form" action="/comment/reply/node/4521/comment"><div class="form-item"><label>Your name</label><input type="text"></div><div class="form-item"><label>Comment</label><textarea></textarea></div><input type="submit" value="Save"></form></section>
</div></article>
<div class="views-element-container block block-views"><h2 class="block-title">Related content</h2><div class="view-content"><div class="views-row"><a href="/node/4400">Reading rooms get new lamps</a></div><div class="views-row"><a href="/node/4300">Book sale raises record sum</a></div></div></div>
</div></main></div>""",
        ),
        EN_4,
        ["Add new comment", "Your name", "Related content", "Reading rooms get new lamps", "Book sale raises record sum"],
    )
)

# 5. Ghost-like
CASES.append(
    Case(
        "ghost",
        "https://bridgeworks.example/cycle-bridge-load-test/",
        page(
            '<title>Cycle bridge passes load test</title><meta property="og:type" content="article">',
            f"""<div class="viewport"><header class="gh-head"><a class="gh-head-logo" href="/">Bridgeworks</a><nav class="gh-head-menu"><a href="/">Home</a><a href="/tag/infrastructure/">Infrastructure</a></nav></header>
<main class="gh-main"><article class="gh-article post tag-infrastructure"><header class="gh-article-header"><h1 class="gh-article-title">Cycle bridge passes load test</h1></header>
<section class="gh-content gh-canvas">{ps(EN_5)}</section>
<section class="footer-cta"><div class="footer-cta-inner"><h2 class="footer-cta-title">Sign up for Bridgeworks</h2><p>Get the latest engineering stories delivered straight to your inbox, free every Friday.</p>
<form data-members-form="subscribe"><input type="email" placeholder="Your email address"><button type="submit">Subscribe</button></form></div></section>
</article>
<aside class="read-more-wrap"><div class="read-more inner"><h3>You might also like</h3>
<article class="post-card"><a class="post-card-content-link" href="/tunnel-boring/"><h2 class="post-card-title">Tunnel boring machine reaches halfway point</h2><p class="post-card-excerpt">The machine has now dug two kilometres under the old town.</p></a></article>
<article class="post-card"><a class="post-card-content-link" href="/ferry-ramp/"><h2 class="post-card-title">Ferry ramp replaced overnight</h2><p class="post-card-excerpt">Crews worked through the night to swap the hinge.</p></a></article></div></aside>
</main><footer class="gh-foot">Bridgeworks © 2024 · Published with Ghost</footer></div>""",
        ),
        EN_5,
        ["Sign up for Bridgeworks", "Get the latest engineering stories", "Subscribe", "You might also like", "Tunnel boring machine", "Ferry ramp replaced", "Published with Ghost"],
    )
)

# 6. News site: share bar, newsletter box, cookie banner, author bio, read-more block, ad labels
CASES.append(
    Case(
        "news_site",
        "https://daily-courier.example/culture/2024/04/06/museum-flood-wing-opens",
        page(
            '<title>Museum opens flood wing | Daily Courier</title><meta property="og:type" content="article">',
            f"""<div id="cookie-banner"><p>We use cookies to improve your experience on our site and to show you relevant advertising. By continuing you agree to our cookie policy.</p><button>Accept all</button><button>Manage settings</button></div>
{NAV}<main><article><h1>Museum opens wing devoted to the great flood</h1><p class="byline">By <a rel="author" href="/people/ann-lee">Ann Lee</a></p>
<ul class="social-share-bar"><li><a href="https://www.facebook.com/sharer/sharer.php?u=https://daily-courier.example/x">Share on Facebook</a></li><li><a href="https://twitter.com/intent/tweet?url=https://daily-courier.example/x">Share on X</a></li><li><a href="https://api.whatsapp.com/send?text=x">WhatsApp</a></li></ul>
<div class="article-body"><p>{EN_6[0]}</p><div class="ad-slot"><span>Advertisement</span></div><p>{EN_6[1]}</p>
<p><strong>Read more:</strong> <a href="/culture/2024/03/01/flood-memories">Flood survivors share their memories</a></p>
<p>{EN_6[2]}</p><div><p>Story continues below advertisement</p></div><p>{EN_6[3]}</p></div>
<aside class="newsletter-signup"><h3>Sign up for our newsletter</h3><p>The best of the Courier, every morning in your inbox.</p><form><input type="email"><button>Sign up</button></form></aside>
<div class="author-bio"><img src="/ann.jpg" alt=""><p>Ann Lee is the Courier's culture correspondent and has covered the city's museums for twelve years.</p></div>
<section class="more-stories"><h2>More from Culture</h2><ul><li><a href="/c/1">Orchestra announces summer season</a></li><li><a href="/c/2">Street art festival returns</a></li></ul></section>
</article></main><footer><p>© 2024 Daily Courier. All rights reserved.</p></footer>""",
        ),
        EN_6,
        [
            "We use cookies", "Accept all", "Share on Facebook", "Share on X", "Advertisement", "Read more", "Flood survivors share their memories",
            "Story continues below advertisement", "Sign up for our newsletter", "The best of the Courier", "culture correspondent", "More from Culture",
            "Orchestra announces", "All rights reserved",
        ],
    )
)

# 7. German
DE = [
    "Die Stadtwerke haben am Montag mit dem Austausch der alten Gasleitungen in der Altstadt begonnen; die Arbeiten sollen nach Angaben des Unternehmens bis zum Herbst abgeschlossen sein.",
    "Anwohner müssen sich in dieser Zeit auf gesperrte Parkplätze und kurze Unterbrechungen der Versorgung einstellen, die jeweils mindestens drei Tage vorher schriftlich angekündigt werden.",
    "Der Bürgermeister sprach von einer längst überfälligen Investition, da einige Rohre noch aus der Zeit vor dem Zweiten Weltkrieg stammen und immer häufiger repariert werden mussten.",
    "Für Fragen hat die Stadt ein Bürgertelefon eingerichtet, das werktags von acht bis achtzehn Uhr erreichbar ist; außerdem gibt es jeden Donnerstag eine Sprechstunde auf der Baustelle.",
]
CASES.append(
    Case(
        "german_wordpress",
        "https://altstadt-kurier.example/2024/05/gasleitungen-altstadt/",
        page(
            "<title>Neue Gasleitungen für die Altstadt</title>",
            f"""<div><h1>Neue Gasleitungen für die Altstadt</h1><div>Von Petra Schulz</div>
<div><p>{DE[0]}</p><div>Anzeige</div><p>{DE[1]}</p><p><b>Lesen Sie auch:</b> <a href="/2024/04/fernwaerme/">Fernwärme kommt in den Norden</a></p><p>{DE[2]}</p><p>{DE[3]}</p></div>
<div><h4>Teilen mit:</h4><a href="https://www.facebook.com/sharer.php?u=x">Facebook</a> <a href="https://twitter.com/share?url=x">X</a></div>
<h3>Ähnliche Beiträge</h3><ul><li><a href="/2024/03/bruecke/">Brücke wird saniert</a></li><li><a href="/2024/02/markt/">Wochenmarkt zieht um</a></li></ul>
{wp_comment_form("Schreibe einen Kommentar", "Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert", "Kommentar *", "Meinen Namen, meine E-Mail-Adresse und meine Website in diesem Browser für die nächste Kommentierung speichern.", "Kommentar abschicken", False)}
</div>""",
            lang="de",
        ),
        DE,
        [
            "Anzeige", "Lesen Sie auch", "Fernwärme kommt", "Teilen mit", "Ähnliche Beiträge", "Brücke wird saniert", "Wochenmarkt zieht um", "Schreibe einen Kommentar",
            "Deine E-Mail-Adresse wird nicht veröffentlicht", "Erforderliche Felder", "in diesem Browser",
        ],
        lang="de",
    )
)

# 8. French
FR = [
    "La municipalité a présenté mardi soir son projet de rénovation du marché couvert, fermé depuis deux ans pour des raisons de sécurité après la chute d'une partie de la verrière.",
    "Les travaux, estimés à quatre millions d'euros, prévoient le remplacement complet de la charpente métallique et l'installation de panneaux solaires sur la partie sud du toit.",
    "Les commerçants, relogés provisoirement sous des tentes sur la place voisine, ont salué un calendrier qu'ils jugent enfin réaliste, tout en demandant une aide pour les mois de transition.",
    "La réouverture est annoncée pour le printemps prochain, avec une fête de quartier et un concert gratuit organisé par l'école de musique de la ville.",
]
CASES.append(
    Case(
        "french_wordpress",
        "https://gazette-du-marche.example/2024/06/renovation-marche-couvert/",
        page(
            "<title>Le marché couvert sera rénové</title>",
            f"""<div><h1>Le marché couvert sera rénové</h1>
<div><p>{FR[0]}</p><p>Publicité</p><p>{FR[1]}</p><p>À lire aussi : <a href="/2024/05/place-pietonne/">La place devient piétonne</a></p><p>{FR[2]}</p><p>{FR[3]}</p></div>
<div><span>Partager :</span> <a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a> <a href="https://twitter.com/intent/tweet?u=x">Twitter</a></div>
<h3>Articles similaires</h3><div><div><h4><a href="/2024/04/fontaine/">La fontaine retrouve ses couleurs</a></h4></div><div><h4><a href="/2024/03/halles/">Les halles fêtent leurs cent ans</a></h4></div></div>
{wp_comment_form("Laisser un commentaire", "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *", "Commentaire *", "Enregistrer mon nom, mon e-mail et mon site dans le navigateur pour mon prochain commentaire.", "Laisser un commentaire", False)}
</div>""",
            lang="fr",
        ),
        FR,
        [
            "Publicité", "À lire aussi", "La place devient piétonne", "Partager", "Articles similaires", "La fontaine retrouve", "Les halles fêtent", "Laisser un commentaire",
            "Votre adresse e-mail ne sera pas publiée", "Les champs obligatoires", "Enregistrer mon nom",
        ],
        lang="fr",
    )
)

# 9. Spanish
ES = [
    "El ayuntamiento aprobó este jueves la ampliación del carril bici que une el centro histórico con el campus universitario, una obra reclamada desde hace años por las asociaciones vecinales.",
    "El nuevo tramo tendrá tres kilómetros y contará con iluminación propia, aparcamientos cubiertos para bicicletas y dos puntos de reparación con herramientas de uso gratuito.",
    "Según el concejal de movilidad, las obras comenzarán después del verano para no coincidir con la temporada turística y se prolongarán durante unos ocho meses.",
    "Los comerciantes de la zona han pedido que se mantengan las plazas de carga y descarga, algo que el equipo de gobierno se ha comprometido a estudiar antes de licitar el proyecto.",
]
CASES.append(
    Case(
        "spanish_wordpress",
        "https://diario-del-valle.example/2024/07/ampliacion-carril-bici/",
        page(
            "<title>Se amplía el carril bici</title>",
            f"""<div><h1>Se amplía el carril bici hasta el campus</h1>
<div><p>{ES[0]}</p><div><small>Publicidad</small></div><p>{ES[1]}</p><p>Lee también: <a href="/2024/06/autobuses/">Nuevas líneas de autobús nocturno</a></p><p>{ES[2]}</p><p>{ES[3]}</p></div>
<h3>Artículos relacionados</h3><ul><li><a href="/2024/05/parque/">El parque del río abre sus puertas</a></li><li><a href="/2024/04/mercado/">El mercado estrena horario</a></li></ul>
{wp_comment_form("Deja una respuesta", "Tu dirección de correo electrónico no será publicada. Los campos obligatorios están marcados con *", "Comentario *", "Guarda mi nombre, correo electrónico y web en este navegador para la próxima vez que comente.", "Publicar el comentario", False)}
</div>""",
            lang="es",
        ),
        ES,
        [
            "Publicidad", "Lee también", "Nuevas líneas de autobús", "Artículos relacionados", "El parque del río", "El mercado estrena", "Deja una respuesta",
            "Tu dirección de correo electrónico", "Los campos obligatorios", "Guarda mi nombre",
        ],
        lang="es",
    )
)

# 10. Italian
IT = [
    "Il consiglio comunale ha approvato all'unanimità il nuovo regolamento per gli orti urbani, che assegnerà cinquanta lotti di terreno ai residenti del quartiere nord a partire da settembre.",
    "Ogni lotto misurerà circa trenta metri quadrati e potrà essere coltivato per tre anni, con la possibilità di rinnovo per chi avrà rispettato le regole sull'uso dell'acqua e dei concimi.",
    "Le domande si potranno presentare online o allo sportello del municipio fino alla fine di giugno, e in caso di richieste superiori ai posti disponibili si procederà con un sorteggio pubblico.",
    "L'assessore all'ambiente ha spiegato che una parte dei lotti sarà riservata alle scuole e alle associazioni che lavorano con persone anziane o con disabilità.",
]
CASES.append(
    Case(
        "italian_wordpress",
        "https://cronaca-cittadina.example/2024/05/orti-urbani-regolamento/",
        page(
            "<title>Orti urbani, approvato il regolamento</title>",
            f"""<div><h1>Orti urbani, approvato il regolamento</h1>
<div><p>{IT[0]}</p><p>Pubblicità</p><p>{IT[1]}</p><p>Leggi anche: <a href="/2024/04/parco/">Il parco giochi riapre dopo i lavori</a></p><p>{IT[2]}</p><p>{IT[3]}</p></div>
<h3>Articoli correlati</h3><ul><li><a href="/2024/03/biblioteca/">La biblioteca cambia orario</a></li><li><a href="/2024/02/piazza/">Nuove panchine in piazza</a></li></ul>
{wp_comment_form("Lascia un commento", "Il tuo indirizzo email non sarà pubblicato. I campi obbligatori sono contrassegnati *", "Commento *", "Salva il mio nome, email e sito web in questo browser per la prossima volta che commento.", "Invia commento", False)}
</div>""",
            lang="it",
        ),
        IT,
        [
            "Pubblicità", "Leggi anche", "Il parco giochi riapre", "Articoli correlati", "La biblioteca cambia", "Nuove panchine", "Lascia un commento",
            "Il tuo indirizzo email", "I campi obbligatori", "Salva il mio nome",
        ],
        lang="it",
    )
)

# 11. Portuguese
PT = [
    "A prefeitura anunciou nesta segunda-feira que o antigo mercado municipal será transformado em um centro cultural com biblioteca, auditório e espaço para feiras de artesanato.",
    "O projeto prevê a restauração da fachada original de mil novecentos e vinte e a instalação de um telhado verde que ajudará a reduzir a temperatura no interior do edifício.",
    "Segundo a secretaria de cultura, as obras devem começar em agosto e durar cerca de um ano e meio, período em que as feiras continuarão funcionando na praça ao lado.",
    "Moradores ouvidos pela reportagem disseram apoiar a mudança, mas pediram que o novo espaço mantenha preços acessíveis para os pequenos produtores da região.",
]
CASES.append(
    Case(
        "portuguese_wordpress",
        "https://jornal-da-praca.example/2024/06/mercado-centro-cultural/",
        page(
            "<title>Mercado vira centro cultural</title>",
            f"""<div><h1>Antigo mercado vira centro cultural</h1>
<div><p>{PT[0]}</p><p>Publicidade</p><p>{PT[1]}</p><p>Leia também: <a href="/2024/05/praca/">Praça ganha nova iluminação</a></p><p>{PT[2]}</p><p>{PT[3]}</p></div>
<h3>Posts relacionados</h3><ul><li><a href="/2024/04/feira/">Feira de artesanato bate recorde</a></li><li><a href="/2024/03/teatro/">Teatro reabre com nova peça</a></li></ul>
{wp_comment_form("Deixe uma resposta", "O seu endereço de email não será publicado. Campos obrigatórios são marcados com *", "Comentário *", "Salvar meu nome, email e site neste navegador para a próxima vez que eu comentar.", "Publicar comentário", False)}
</div>""",
            lang="pt",
        ),
        PT,
        [
            "Publicidade", "Leia também", "Praça ganha nova iluminação", "Posts relacionados", "Feira de artesanato", "Teatro reabre", "Deixe uma resposta",
            "O seu endereço de email", "Campos obrigatórios", "Salvar meu nome",
        ],
        lang="pt",
    )
)

# 12. Dutch
NL = [
    "De gemeente heeft dinsdag bekendgemaakt dat de oude veerpont over de rivier vanaf volgend jaar elektrisch gaat varen, nadat de provincie een subsidie van twee miljoen euro heeft toegezegd.",
    "De huidige dieselmotor wordt vervangen door een accupakket dat 's nachts wordt opgeladen aan de kade, zodat de pont overdag zonder onderbreking kan blijven pendelen tussen beide oevers.",
    "Volgens de wethouder scheelt de ombouw jaarlijks ongeveer tweehonderd ton uitstoot en wordt de overtocht bovendien een stuk stiller voor de bewoners van de dijkhuizen.",
    "Tijdens de werkzaamheden, die in de wintermaanden plaatsvinden, zet de gemeente een tijdelijke fietsbus in die elk half uur via de brug naar de overkant rijdt.",
]
CASES.append(
    Case(
        "dutch_wordpress",
        "https://rivierbode.example/2024/04/veerpont-elektrisch/",
        page(
            "<title>Veerpont gaat elektrisch varen</title>",
            f"""<div><h1>Veerpont gaat elektrisch varen</h1>
<div><p>{NL[0]}</p><p>Advertentie</p><p>{NL[1]}</p><p>Lees ook: <a href="/2024/03/dijk/">Dijkversterking begint in mei</a></p><p>{NL[2]}</p><p>{NL[3]}</p></div>
<h3>Gerelateerde berichten</h3><ul><li><a href="/2024/02/haven/">Haven krijgt nieuwe steiger</a></li><li><a href="/2024/01/sluis/">Sluis tijdelijk dicht</a></li></ul>
{wp_comment_form("Laat een reactie achter", "Je e-mailadres wordt niet gepubliceerd. Vereiste velden zijn gemarkeerd met *", "Reactie *", "Mijn naam, e-mail en site bewaren in deze browser voor de volgende keer wanneer ik een reactie plaats.", "Reactie plaatsen", False)}
</div>""",
            lang="nl",
        ),
        NL,
        [
            "Advertentie", "Lees ook", "Dijkversterking begint", "Gerelateerde berichten", "Haven krijgt", "Sluis tijdelijk", "Laat een reactie achter",
            "Je e-mailadres", "Vereiste velden", "Mijn naam, e-mail en site",
        ],
        lang="nl",
    )
)

# 13. Recall guard: article paragraphs that merely contain trigger words must all stay
CASES.append(
    Case(
        "recall_guard",
        "https://capital-review.example/politics/2024/02/packaging-tax-consultation",
        page(
            '<title>Consultation on packaging tax criticised</title><meta property="og:type" content="article">',
            NAV + f"""<main><article><h1>Consultation on packaging tax criticised</h1><div class="story">{ps(RECALL)}</div></article></main>""",
        ),
        RECALL,
        [],
    )
)

# 14. Magazine/Substack-like: class-less cards, "Share this post", "3 Comments", subscribe box
MAG = [
    "When the last weaving mill in the town closed in the nineteen-nineties, nobody expected that its looms would one day be running again, this time operated by a cooperative of former workers and design students.",
    "The cooperative rents the ground floor of the old mill from the council for a symbolic sum and sells blankets and scarves through a small shop and a growing list of stockists abroad.",
    "Its members say the hardest part was not restoring the machines but finding the skills: two retired weavers now teach evening classes, and their waiting list is longer than the shop's order book.",
    "The next step is a dye garden on the riverbank, where the students want to grow madder, woad and weld so that the colours, like the wool, come from within a few miles of the mill.",
]
CASES.append(
    Case(
        "magazine_classless",
        "https://long-read.example/p/the-looms-are-back",
        page(
            "<title>The looms are back</title>",
            f"""<div><div><h1>The looms are back</h1><h3>How a cooperative revived the last weaving mill</h3></div>
<div>{ps(MAG)}</div>
<div><button>Share this post</button></div>
<div><h2>Subscribe to Long Read</h2><p>Thousands of readers get our essays every Sunday.</p><form><input type="email" placeholder="Type your email"><button>Subscribe</button></form></div>
<div><h3>3 Comments</h3><div><div><b>Mara</b> <span>Apr 2</span><p>My grandmother worked at that mill for thirty years, thank you for this piece, I forwarded it to the whole family.</p></div>
<div><b>Tom</b> <span>Apr 3</span><p>Where can I buy the blankets outside the country? The shop does not seem to ship to us yet.</p></div></div></div>
<div><h3>You might also like</h3><div><a href="/p/salt-marsh">The salt marsh keepers</a></div><div><a href="/p/night-ferry">On the night ferry</a></div></div></div>""",
        ),
        MAG,
        ["Share this post", "Subscribe to Long Read", "Thousands of readers", "3 Comments", "My grandmother worked", "Where can I buy the blankets", "You might also like", "The salt marsh keepers", "On the night ferry"],
    )
)

# 15. Promotions without classes: avatar bio box, link-only promo paragraph, separator, hidden upsell, photo credit
PROMO = [
    "The regional orchestra will tour six villages this summer, playing in barns, churches and a disused railway shed, in an attempt to reach audiences who rarely travel to the concert hall in the city.",
    "Tickets will cost five euros, and children under twelve will be admitted free; the orchestra says the tour is funded by a local bank and by a crowdfunding campaign that raised twice its target.",
    "The programme mixes short classical pieces with folk tunes arranged by the orchestra's youngest members, who spent the winter collecting melodies from retired musicians in the valley.",
]
CASES.append(
    Case(
        "promos_without_classes",
        "https://valley-voice.example/culture/orchestra-village-tour-summer",
        page(
            "<title>Orchestra takes music to the villages</title>",
            f"""<div><h1>Orchestra takes music to the villages</h1>
<div><p>{PROMO[0]}</p><figure><img src="/o.jpg" alt=""><figcaption>Credit: Valley Voice archive</figcaption></figure>
<p><a href="/apps"><strong>GET THE VALLEY VOICE APP FOR FREE</strong></a></p><p>{PROMO[1]}</p><p>___</p><p>{PROMO[2]}</p></div>
<div><img class="avatar" src="https://secure.gravatar.com/avatar/abc"><div><a rel="author" href="/author/mila/">Mila Horvat</a><p>Mila Horvat writes about music and culture and has reported from the valley for eleven years.</p></div></div>
<div hidden="hidden"><h3>Subscribe to Valley Voice Plus to bookmark this article</h3><p>Want to save articles to read later? Start your Valley Voice Plus subscription today.</p></div>
</div>""",
        ),
        PROMO,
        ["Valley Voice archive", "GET THE VALLEY VOICE APP", "___", "Mila Horvat writes about music", "bookmark this article", "subscription today"],
    )
)
