"""Invented content of the demo news site: the fictional town of Millbrook.

Every person, place, business and event here is made up for the demo.  Paragraphs
are stored as small HTML fragments (a few contain inline links); the plain-text
version used by tests is derived with :func:`crawler.demo.site.html_to_text`.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE_NAME = "The Millbrook Ledger"
SITE_TAGLINE = "News from Millbrook and the Alder Valley"


@dataclass(frozen=True)
class Article:
    key: str
    path: str
    title: str
    authors: tuple[str, ...]
    published: str  # ISO 8601 with offset
    modified: str
    section: str  # local | politics | culture
    tags: tuple[str, ...]
    template: str  # modern | wp_classic | wp_classless | table | divcontent
    language: str
    summary: str
    paragraphs: tuple[str, ...]
    image_caption: str = ""
    encoding: str | None = None
    chunked: bool = False

    @property
    def slug(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")

    @property
    def date(self) -> str:
        return self.published[:10]

    @property
    def image(self) -> str:
        return f"/img/articles/{self.slug}.png"


AUTHORS = {
    "Jane Doe": ("jane-doe", "Jane Doe covers local government, the Alder River and anything "
                 "involving a public meeting. She has lived in Millbrook since 2009."),
    "Marcus Bell": ("marcus-bell", "Marcus Bell is the Ledger's politics reporter and keeps "
                    "a spreadsheet of every council vote since 2015."),
    "Priya Raman": ("priya-raman", "Priya Raman writes about arts, business and the people "
                    "who keep Main Street busy."),
    "Tomás Ortega": ("tomas-ortega", "Tomás Ortega reviews theatre and books and edits the "
                     "weekend culture pages."),
    "Katrin Vogel": ("katrin-vogel", "Katrin Vogel berichtet für den Ledger aus der "
                     "Partnerstadt Hollerbach."),
    "Élodie Marchand": ("elodie-marchand", "Élodie Marchand est correspondante du Ledger "
                        "à Saint-Aubin-sur-Loue."),
}

SECTIONS = {"local": "Local", "politics": "Politics", "culture": "Culture"}

ARTICLES: tuple[Article, ...] = (
    Article(
        key="footbridge",
        path="/news/2026/03/02/alder-river-footbridge-reopens.html",
        title="Alder River footbridge reopens after winter repairs",
        authors=("Jane Doe",),
        published="2026-03-02T08:30:00-05:00", modified="2026-03-02T14:10:00-05:00",
        section="local", tags=("river", "infrastructure"), template="modern", language="en",
        summary="Walkers and cyclists on the east side of town no longer face a mile-long detour.",
        image_caption="Public works crews remove the last barriers on Willow Lane.",
        encoding="gzip",
        paragraphs=(
            "The pedestrian footbridge over the Alder River reopened on Saturday morning, ending a "
            "four-month closure that forced walkers and cyclists on the east side of Millbrook to "
            "detour nearly a mile through the industrial park. A small crowd gathered at the Willow "
            "Lane end of the span to watch public works crews remove the last orange barriers "
            "shortly after eight o’clock.",
            "Engineers closed the bridge in November after a routine inspection found corrosion on "
            "two of the steel brackets that hold the deck to its main beams. The repair replaced all "
            "sixteen brackets, resurfaced the deck with a non-slip coating, and added lighting along "
            "the railings, according to Public Works Director Alan Okafor.",
            "“We could have patched the two worst brackets and reopened before Christmas,” Okafor "
            "said. “But the bridge is forty years old, and doing the whole set at once means we "
            "should not have to close it again for a very long time.”",
            "The project cost $212,000, about $30,000 less than the estimate the town council "
            "approved last autumn. Most of the savings came from scheduling the work during the "
            "winter, when the contractor had fewer competing jobs, Okafor said.",
            "For residents of the Riverside apartments, the reopening means a shorter walk to the "
            "grocery store and the bus stop on Main Street. “My kids have been asking every single "
            "week when the bridge would be open,” said Dana Whitcomb, who crossed with her two sons "
            "minutes after the barriers came down. “Now we can walk to school again instead of "
            "driving.”",
            "The town plans a second phase of work in the summer, when crews will repaint the "
            "underside of the span and install a camera to monitor river levels during spring "
            "floods.",
        ),
    ),
    Article(
        key="budget",
        path="/news/2026/02/27/council-approves-budget-library-hours.html",
        title="Council approves budget with longer library hours",
        authors=("Marcus Bell",),
        published="2026-02-27T21:45:00-05:00", modified="2026-02-28T09:05:00-05:00",
        section="politics", tags=("council", "library"), template="modern", language="en",
        summary="The library on Elm Street will stay open until nine on weekday evenings.",
        image_caption="Councillors debate the spending plan at Town Hall.",
        paragraphs=(
            "The Millbrook Town Council voted five to two on Thursday night to adopt a $48.6 million "
            "budget for the coming fiscal year, a plan that keeps the property tax rate flat while "
            "extending opening hours at the public library on weekday evenings.",
            "Under the approved plan, the library on Elm Street will stay open until nine o’clock "
            "from Monday through Thursday, two hours later than it does now. The change adds the "
            "equivalent of three full-time positions and costs about $190,000 a year, which the "
            "council covered by delaying the replacement of two street sweepers.",
            "Councillor Ruth Abernathy, who proposed the extended hours, said students and shift "
            "workers had asked for the change for years. “A library that closes at seven is a "
            "library that half of this town never gets to use,” she said during the debate.",
            "The two members who voted against the budget, Councillors Glen Haskins and Mira "
            "Solberg, argued that postponing the sweepers would leave the town with aging equipment "
            "that costs more to repair each year. Haskins said he supported longer library hours but "
            "wanted them paid for with savings elsewhere.",
            "The budget also sets aside $1.2 million for road resurfacing, funds a part-time grant "
            "writer, and increases the contribution to the town’s reserve fund for the first time "
            "in four years. A full copy of the spending plan is available at the town clerk’s "
            "office.",
            "The new fiscal year begins on July 1. Library officials said the extended hours would "
            "start the same week, once new staff have been hired and trained.",
        ),
    ),
    Article(
        key="lanterns",
        path="/news/2026/02/21/lantern-festival-record-crowd.html",
        title="Lantern festival draws record crowd to Mill Square",
        authors=("Priya Raman", "Jane Doe"),
        published="2026-02-21T23:10:00-05:00", modified="2026-02-22T10:30:00-05:00",
        section="culture", tags=("festival", "main street"), template="modern", language="en",
        summary="About nine thousand people filled the square for the eleventh annual procession.",
        image_caption="Children carry handmade heron lanterns down Main Street.",
        paragraphs=(
            "An estimated nine thousand people packed Mill Square and the streets around it on "
            "Friday evening for the eleventh annual Millbrook Lantern Festival, the largest turnout "
            "since the event began as a small school project in a church parking lot.",
            "Paper lanterns in the shapes of fish, herons, and old mill wheels hung from wires "
            "strung between the lampposts, while a procession of about four hundred children carried "
            "handmade lanterns from the elementary school down Main Street to the square. Many of "
            "the designs were built in weekend workshops at the community center over the past "
            "month.",
            "Organiser Wen Li-Hartley said volunteers had prepared for a bigger crowd this year but "
            "were still surprised. “We ordered twice as many candles as last year and we ran out "
            "before eight,” she said, laughing. “That is a good problem to have.”",
            "Local businesses on Main Street reported one of their busiest nights of the winter. "
            "The owner of the Copper Kettle café said she served hot cider until the last customers "
            "left shortly before midnight, and two food trucks from neighbouring Eastfield sold out "
            "entirely.",
            "Police reported no serious incidents, though traffic on Route 9 backed up for nearly "
            "an hour after the procession ended. Organisers said they would discuss extra parking "
            "and a shuttle bus from the high school with the town before next year’s festival.",
        ),
    ),
    Article(
        key="cleanup",
        path="/news/2026/02/18/volunteers-clear-riverbank-debris.html",
        title="Volunteers clear three tonnes of debris from riverbank",
        authors=("Jane Doe",),
        published="2026-02-18T16:20:00-05:00", modified="2026-02-18T16:20:00-05:00",
        section="local", tags=("river", "environment"), template="wp_classic", language="en",
        summary="The Friends of the Alder filled two skips in a single Saturday.",
        chunked=True,
        paragraphs=(
            "More than a hundred volunteers spent Saturday pulling shopping carts, tyres, fencing, "
            "and plastic from a two-mile stretch of the Alder River between the old tannery and the "
            "Route 9 bridge, filling two large skips by early afternoon.",
            "The cleanup was organised by the Friends of the Alder, a group founded six years ago by "
            "a handful of anglers worried about litter washing into the spawning pools downstream. "
            "The group now counts more than three hundred members and holds cleanups every spring "
            "and autumn.",
            "“The river tells you what the town throws away,” said the group’s chair, Hollis "
            "Drummond, as he hauled a rusted bicycle frame up the muddy bank. “Ten years ago it was "
            "mostly bottles. Now it is mostly plastic film and packaging, and that is much harder to "
            "collect.”",
            "Town workers weighed the collected material at the transfer station on Monday and "
            "counted just over three tonnes, a record for a single day. Scrap metal will be "
            "recycled, and the group plans to turn several of the tyres into planters for the "
            "riverside park.",
            "Students from Millbrook High School’s environmental science class recorded each item "
            "they found in a shared spreadsheet, part of a project to track where debris enters the "
            "river. Their teacher, Lorna Feeney, said the data would be shared with the town’s "
            "stormwater committee in the spring.",
        ),
    ),
    Article(
        key="school-start",
        path="/news/2026/02/12/school-board-later-start-times.html",
        title="School board weighs later start times for high school",
        authors=("Marcus Bell",),
        published="2026-02-12T07:00:00-05:00", modified="2026-02-12T11:45:00-05:00",
        section="politics", tags=("schools",), template="wp_classic", language="en",
        summary="Supporters cite sleep research; coaches and bus planners see problems.",
        paragraphs=(
            "The Harlow County School Board heard nearly three hours of public comment on Tuesday "
            "about a proposal to move the start of the high school day from 7:25 to 8:30 in the "
            "morning, a change supporters say would help teenagers sleep and opponents fear would "
            "upend bus schedules and after-school jobs.",
            "The proposal follows a district survey in which two thirds of high school students said "
            "they regularly got fewer than seven hours of sleep on school nights. Superintendent "
            "Carla Reyes told the board that the later schedule could be in place by the autumn of "
            "next year if members approve it before the summer.",
            "Moving the bell would require the district to rearrange its bus routes so that the same "
            "drivers can serve the elementary schools first. According to the district’s "
            "<a href=\"/files/report.pdf\">transportation study</a>, the change would add about "
            "$340,000 a year in costs, mostly for four additional drivers and one extra bus.",
            "Several parents said the later start would make mornings easier for families. Others, "
            "including a number of coaches, warned that afternoon practices and games would end "
            "after dark for much of the autumn and winter seasons.",
            "Board chair Desmond Pike said no vote would take place before April. “This is the kind "
            "of decision that touches every household with a teenager in it,” he said. “We want to "
            "get it right, not just get it done.”",
        ),
    ),
    Article(
        key="players",
        path="/news/2026/02/05/millbrook-players-century-old-comedy.html",
        title="Millbrook Players stage a century-old comedy",
        authors=("Tomás Ortega",),
        published="2026-02-05T12:00:00-05:00", modified="2026-02-05T12:00:00-05:00",
        section="culture", tags=("theatre",), template="wp_classic", language="en",
        summary="A 1924 farce found in a donated box returns to the Grange Hall stage.",
        paragraphs=(
            "The Millbrook Players, the town’s volunteer theatre company, will open a revival of "
            "<em>The Lodger Upstairs</em>, a farce first performed in 1924, at the Grange Hall on "
            "Friday evening. The production runs for three weekends.",
            "Director Imogen Tate found the script in a box of programmes donated to the historical "
            "society last year. The play, written by a schoolteacher from a nearby village, follows a "
            "boarding-house owner who rents the same attic room to three different tenants at once "
            "and spends two acts trying to keep them from meeting.",
            "“It is a very silly play, and I mean that as the highest praise,” Tate said during a "
            "rehearsal break. “The jokes still work. Doors slam, people hide in wardrobes, and "
            "somebody always arrives at exactly the wrong moment.”",
            "The cast of fourteen includes a retired postmaster, two nurses, a high school junior, "
            "and the owner of the hardware store on Main Street. Costumes were sewn by members of "
            "the Grange’s Tuesday quilting circle, who worked from photographs in the original "
            "programme.",
            "Tickets cost twelve dollars for adults and five for students, and proceeds will help "
            "pay for a new lighting board for the hall. Performances begin at seven thirty, with a "
            "Sunday matinee at two o’clock.",
        ),
    ),
    Article(
        key="bakery",
        path="/local/canal-street-bakery-fifty-years-10482",
        title="Bakery on Canal Street marks fifty years",
        authors=("Jane Doe",),
        published="2026-01-29T09:15:00-05:00", modified="2026-01-29T09:15:00-05:00",
        section="local", tags=("business",), template="wp_classless", language="en",
        summary="Verhoeven’s Bakery still opens at six, with the same sourdough starter.",
        paragraphs=(
            "When Rosa and Piet Verhoeven opened a small bakery on Canal Street in 1976, they sold "
            "three kinds of bread and closed at noon so they could sleep before the next night’s "
            "baking. Fifty years later, Verhoeven’s Bakery sells more than forty items and still "
            "opens its doors at six every morning.",
            "The couple’s daughter, Annelies Verhoeven-Brandt, has run the bakery since her parents "
            "retired in 2009. She still uses her father’s sourdough starter, which she says has "
            "been fed every day since the shop opened, including during a week-long power cut in the "
            "ice storm of 1998.",
            "“My father kept it alive in a cooler with a camping stove beside it,” she said. "
            "“People think I am joking when I tell that story, but there are photographs.”",
            "To mark the anniversary, the bakery will sell its original 1976 rye loaf at the 1976 "
            "price of forty cents on Saturday, while supplies last. Regular customers have also been "
            "invited to bring old photographs of the shop for a display in the front window.",
            "The bakery employs eleven people, several of whom have worked there for more than "
            "twenty years. Verhoeven-Brandt said she had no plans to expand. “We are the right "
            "size,” she said. “If we got bigger, I would not know everybody’s name anymore.”",
        ),
    ),
    Article(
        key="garden",
        path="/local/community-garden-registration-10517",
        title="Community garden plots open for spring registration",
        authors=("Priya Raman",),
        published="2026-01-22T10:00:00-05:00", modified="2026-01-23T08:00:00-05:00",
        section="local", tags=("gardening",), template="wp_classless", language="en",
        summary="All forty-two beds on Orchard Street are expected to go within a week.",
        paragraphs=(
            "Registration for the forty-two plots at the Orchard Street community garden opens on "
            "Monday, and organisers expect every bed to be claimed within the first week, as they "
            "have been for the past three springs.",
            "Plots cost twenty-five dollars for the season, and the fee covers water, shared tools, "
            "and a delivery of compost in April. Ten of the beds are raised to waist height so that "
            "older gardeners and people who use wheelchairs can work them comfortably.",
            "Garden coordinator Felix Amankwah said the waiting list had grown every year since the "
            "garden opened on the site of a demolished warehouse in 2019. “We have people who have "
            "grown tomatoes here every year since the beginning, and people who are putting a seed "
            "in the ground for the first time,” he said.",
            "This year the garden will add a shared herb bed and a small pollinator patch near the "
            "fence, planted with native flowers donated by the county extension office. A volunteer "
            "from the office will also run free workshops on soil health and composting on the "
            "first Saturday of each month.",
            "Applications are accepted in person at the community center or by mail. Any plots that "
            "are still available after two weeks will be offered to the local school and to the "
            "food pantry, which grows vegetables for its weekly distribution.",
        ),
    ),
    Article(
        key="bus",
        path="/news/2026/01/15/bus-route-extended-to-eastfield.html",
        title="Harlow County extends bus route to Eastfield",
        authors=("Marcus Bell",),
        published="2026-01-15T18:30:00-05:00", modified="2026-01-15T18:30:00-05:00",
        section="politics", tags=("transit",), template="table", language="en",
        summary="Route 4 will reach the Eastfield business park in May.",
        paragraphs=(
            "Harlow County commissioners voted on Wednesday to extend the Route 4 bus line from its "
            "current end at the Millbrook train station to the Eastfield business park, a change "
            "that will give several hundred workers a direct connection between the two towns for "
            "the first time.",
            "The extension adds six stops and about twenty minutes to each round trip. Buses will "
            "run every forty minutes on weekdays between six in the morning and eight at night, with "
            "hourly service on Saturdays. There will be no Sunday service at first.",
            "Commissioner Hattie Olmstead said employers at the business park had struggled to fill "
            "evening shifts because many applicants did not own cars. Two of the largest employers, "
            "a food distribution warehouse and a furniture workshop, have agreed to contribute to "
            "the cost of the service for its first two years.",
            "The county estimates that the extension will cost $410,000 a year to operate, about "
            "half of which will be covered by a state grant for rural transit. Fares will remain at "
            "one dollar and fifty cents, with free rides for riders over sixty-five.",
            "Service on the extended route is scheduled to begin in early May, once the county has "
            "hired two additional drivers and installed shelters at the busiest new stops.",
        ),
    ),
    Article(
        key="flood-gauge",
        path="/news/2026/01/09/flood-gauge-earlier-warnings.html",
        title="New flood gauge gives earlier warnings on the Alder",
        authors=("Jane Doe",),
        published="2026-01-09T13:00:00-05:00", modified="2026-01-09T13:00:00-05:00",
        section="local", tags=("river", "safety"), template="divcontent", language="en",
        summary="A radar sensor under the Route 9 bridge replaces a painted measuring board.",
        paragraphs=(
            "A new electronic gauge installed beneath the Route 9 bridge will give Millbrook "
            "residents as much as three hours more warning before the Alder River overflows its "
            "banks, according to the county’s emergency management office.",
            "The old gauge, a painted measuring board read by a volunteer twice a day, has been "
            "replaced by a radar sensor that measures the height of the water every five minutes and "
            "sends the readings to a public website. When the river rises faster than a set rate, "
            "the system sends text alerts to residents who have signed up.",
            "Emergency manager Orla Quinlan said the upgrade was prompted by the flood of 2023, when "
            "water rose nearly four feet overnight and reached several homes on Ferry Road before "
            "anyone could raise the alarm. “We simply did not see it coming in time,” she said. "
            "“Now we will.”",
            "The equipment cost about $28,000 and was paid for with a federal hazard mitigation "
            "grant. The county plans to install a second gauge upstream near the village of "
            "Thornbury later this year, which would add further warning time for towns along the "
            "lower river.",
            "Residents can register for the alerts at the town hall or through the county website. "
            "The volunteer who read the old board for eighteen years, retired surveyor Edwin Marsh, "
            "will be honoured at the next council meeting.",
        ),
    ),
    Article(
        key="photos",
        path="/news/2026/01/05/library-digitises-town-photographs.html",
        title="Library digitises a century of town photographs",
        authors=("Tomás Ortega",),
        published="2026-01-05T08:00:00-05:00", modified="2026-01-05T08:00:00-05:00",
        section="culture", tags=("library", "history"), template="divcontent", language="en",
        summary="Twelve thousand images, from glass plates to newspaper prints, are now online.",
        paragraphs=(
            "The Millbrook Public Library has finished scanning more than twelve thousand "
            "photographs from its local history collection, making a century of images of the town "
            "available online for the first time.",
            "The collection includes glass-plate negatives from the 1910s showing the mill at full "
            "production, postcards of the old trolley line, and thousands of prints donated by the "
            "families of the newspaper photographers who worked in town between the 1940s and the "
            "1980s.",
            "The two-year project was carried out largely by volunteers, who spent Tuesday and "
            "Thursday afternoons in a back room of the library cleaning, scanning, and labelling "
            "each image. Archivist Beatrix Hallam said volunteers had identified hundreds of people "
            "in the photographs by asking older residents to look through printed proofs.",
            "“Every week somebody would come in, look at a picture, and say, that is my grandmother "
            "on the steps of the post office,” Hallam said. “Those moments are the reason we did "
            "this.”",
            "The library is still looking for help dating several hundred images that show street "
            "scenes without obvious landmarks. Residents who recognise a building, a shop sign, or "
            "a face are invited to leave a note on the photograph’s page or to stop by the "
            "reference desk.",
        ),
    ),
    Article(
        key="elevator",
        path="/news/2025/12/18/grain-elevator-climbing-gym.html",
        title="Old grain elevator to become climbing gym",
        authors=("Priya Raman",),
        published="2025-12-18T20:00:00-05:00", modified="2025-12-19T07:30:00-05:00",
        section="local", tags=("business", "planning"), template="modern", language="en",
        summary="The planning board approved plans to keep the eight silos and climb inside them.",
        image_caption="The Depot Street elevator has been empty since 1991.",
        paragraphs=(
            "The concrete grain elevator that has stood empty beside the railway tracks on Depot "
            "Street since 1991 will be converted into an indoor climbing gym, after the planning "
            "board approved the project on Tuesday night.",
            "The developers, two local climbers named Jonah Ferreira and Sasha Kowalczyk, plan to "
            "keep the building’s eight tall silos and use the inside walls for climbing routes up to "
            "twenty-five metres high. A lower annex will hold a café, changing rooms, and a "
            "bouldering area for children.",
            "Several members of the planning board praised the plan for reusing a building that many "
            "residents consider a local landmark. “Everybody gives directions using that elevator,” "
            "said board member Louise Carrow. “I am glad we do not have to start saying, turn left "
            "where the elevator used to be.”",
            "The developers must still complete an environmental survey of the site and obtain a "
            "building permit. Ferreira said they hoped to begin work in the spring and open the gym "
            "by the end of next year.",
            "Neighbours on Depot Street raised concerns about parking during the hearing. The "
            "developers agreed to lease spaces in the municipal lot across the tracks and to "
            "install racks for forty bicycles.",
        ),
    ),
    Article(
        key="chor",
        path="/news/2026/02/15/hollerbach-chor-besuch.html",
        title="Chor aus der Partnerstadt Hollerbach singt in Millbrook",
        authors=("Katrin Vogel",),
        published="2026-02-15T10:00:00+01:00", modified="2026-02-15T10:00:00+01:00",
        section="culture", tags=("partnerstadt", "musik"), template="wp_classless", language="de",
        summary="Zum Jubiläum der Städtepartnerschaft gibt der Chor drei Konzerte.",
        paragraphs=(
            "Zum zwanzigjährigen Jubiläum der Städtepartnerschaft reist der Gemischte Chor "
            "Hollerbach im April für eine Woche nach Millbrook. Die vierzig Sängerinnen und Sänger "
            "werden in Gastfamilien wohnen und drei Konzerte geben, darunter eines gemeinsam mit dem "
            "Kirchenchor von St. Brendan.",
            "Die Partnerschaft zwischen der Kleinstadt im Mittelgebirge und Millbrook begann im Jahr "
            "2006 mit einem Schüleraustausch. Seitdem haben sich Vereine, Feuerwehren und Schulen "
            "beider Orte regelmäßig besucht. Der Chor war bereits vor zehn Jahren zu Gast und "
            "erinnert sich gern an die herzliche Aufnahme.",
            "„Viele von uns haben damals Freundschaften geschlossen, die bis heute halten“, sagt "
            "Chorleiterin Margarete Holzapfel. „Einige Familien schreiben sich seit zehn Jahren "
            "Briefe, ganz altmodisch mit der Post.“",
            "Auf dem Programm stehen Volkslieder aus beiden Ländern, aber auch ein eigens für den "
            "Anlass komponiertes Stück über den Fluss Alder und den Mühlbach in Hollerbach. Die "
            "Komposition stammt von einem Musiklehrer aus Hollerbach, der den Text gemeinsam mit "
            "Schülerinnen aus Millbrook geschrieben hat.",
            "Das Abschlusskonzert findet am Samstagabend in der Grange Hall statt. Der Eintritt ist "
            "frei, um Spenden für die Jugendarbeit beider Partnerstädte wird gebeten.",
        ),
    ),
    Article(
        key="musiciens",
        path="/news/2026/02/09/saint-aubin-jeunes-musiciens.html",
        title="Les jeunes musiciens de Millbrook invités à Saint-Aubin-sur-Loue",
        authors=("Élodie Marchand",),
        published="2026-02-09T17:00:00+01:00", modified="2026-02-10T09:00:00+01:00",
        section="culture", tags=("jumelage", "musique"), template="wp_classic", language="fr",
        summary="Une trentaine d’élèves passeront une semaine dans la ville jumelle en juin.",
        paragraphs=(
            "Une trentaine d’élèves de l’orchestre du lycée de Millbrook passeront une semaine à "
            "Saint-Aubin-sur-Loue au mois de juin, à l’invitation de l’école de musique de la "
            "commune. Ce voyage est le premier échange musical entre les deux villes depuis la "
            "signature de leur jumelage.",
            "Les jeunes musiciens seront logés chez des familles de la commune et répéteront chaque "
            "matin avec les élèves de l’école de musique. Le séjour se terminera par un concert "
            "commun sur la place du marché, le soir de la fête de la musique.",
            "« Nos élèves attendent ce moment depuis des mois », explique Sophie Lemaire, directrice "
            "de l’école de musique. « Jouer ensemble, c’est une façon de se comprendre même quand "
            "on ne parle pas la même langue. »",
            "Le programme mêlera des œuvres classiques, des airs traditionnels de la vallée et "
            "quelques morceaux de jazz choisis par les élèves américains. Les partitions ont déjà "
            "été échangées par courrier électronique afin que chacun puisse travailler de son côté.",
            "Pour financer le voyage, les familles de Millbrook ont organisé des ventes de gâteaux "
            "et un concert de soutien en janvier. La municipalité de Saint-Aubin-sur-Loue prendra en "
            "charge les transports sur place ainsi que les repas de midi.",
        ),
    ),
)

#: Reader comments shown under WordPress-style articles (boilerplate for extraction).
COMMENTS = {
    "en": [("Marjorie P.", "Thank you for covering this, I had no idea any of it was happening."),
           ("Dave from Ferry Road", "Finally some good news on a Monday morning. Keep it up, Ledger!")],
    "fr": [("Bernard L.", "Quelle belle initiative pour nos deux villes, bravo aux organisateurs !")],
    "de": [("Heike S.", "Wir freuen uns schon sehr auf den Besuch, viel Erfolg beim Konzert!")],
}

SECRET_TEXT = ("DRAFT — NOT FOR PUBLICATION. Staff notes for the spring budget follow-up. "
               "This page must never be archived by a polite crawler.")
