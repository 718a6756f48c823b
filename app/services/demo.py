"""Demo data: the operator of the seed (IPP), its catalog, and four customers and a staff member."""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Account,
    Agreement,
    CannedReply,
    Channel,
    Customer,
    Invoice,
    InvoiceLine,
    LicenceKey,
    Mailbox,
    MixChoice,
    OperatorSettings,
    Order,
    PayTvCard,
    Product,
    ProductGroup,
    Subscription,
)
from app.models.base import today, utcnow
from app.security import hash_password
from app.services.billing import vat_part
from app.services.mailboxes import hash_mailbox_password
from app.services.payments import finnish_reference
from app.validators import normalise_phone

LOGINS_TEXT = """Demo logins ({url}/kirjaudu):
  100001 / Lumi-Ranta-Kello-71   (or matti.virtanen@example.fi) everything: card, MIX 6, TURVAPAKETTI
  100002 / Sade-Metsa-Tuoli-38   billing agreement, no pay-TV card
  100003 / Kuu-Joki-Lamppu-55    connection agreement, no billing agreement
  100004 / Tuuli-Kivi-Poyta-12   no valid agreement: cannot log in
  staff yllapito / Hallinta-Demo-2026-x, TOTP secret 26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE
Mail sent in development: {url}/kehitys/posti"""

GROUPS = [
    ("tv", "TV-kanavat", "TV-kanaler", "TV channels"),
    ("mix", "MIX-paketit", "MIX-paket", "MIX packages"),
    ("security", "Tietoturva", "Datasäkerhet", "Security"),
    ("broadband", "Laajakaista", "Bredband", "Broadband"),
    ("email", "Sähköposti", "E-post", "Email"),
]

# group, code, name, description, price cents, extra columns
PRODUCTS = [
    ("tv", "SPORT-PLUS", "Urheilu Plus", "Jalkapallo, jääkiekko ja moottoriurheilu suorina lähetyksinä.", 1490, {"requires_pay_tv_card": True}),
    ("tv", "ELOKUVA-PREMIUM", "Elokuva Premium", "Uusimmat elokuvat ensi-iltoina joka viikko.", 1290, {"requires_pay_tv_card": True}),
    ("tv", "JUNIOR", "Lastenkanava Junior", "Mainoksettomia ohjelmia lapsille.", 590, {"requires_pay_tv_card": True}),
    ("tv", "DOKUMENTTI", "Dokumenttikanava", "Luontoa, historiaa ja tiedettä.", 690, {"requires_pay_tv_card": True}),
    ("tv", "KIEKKOKAUSI", "Jääkiekkokausi", "Koko kauden ottelut, määräaikainen 12 kuukautta.", 1990, {"requires_pay_tv_card": True, "term_months": 12}),
    ("mix", "MIX-3", "MIX 3", "Valitse kolme kanavaa kanavavalikoimasta.", 990, {"requires_pay_tv_card": True, "family": "mix", "rank": 1, "mix_size": 3}),
    ("mix", "MIX-6", "MIX 6", "Valitse kuusi kanavaa kanavavalikoimasta.", 1690, {"requires_pay_tv_card": True, "family": "mix", "rank": 2, "mix_size": 6}),
    ("mix", "MIX-10", "MIX 10", "Valitse kymmenen kanavaa kanavavalikoimasta.", 2490, {"requires_pay_tv_card": True, "family": "mix", "rank": 3, "mix_size": 10}),
    ("security", "TURVAPAKETTI-3", "F-Secure TURVAPAKETTI 3 laitetta", "Koko perheen tietoturva kolmelle laitteelle.", 590, {"family": "turvapaketti", "rank": 1, "needs_licence_key": True, "download_url": "https://download.example.fi/turvapaketti/"}),
    ("security", "TURVAPAKETTI-5", "F-Secure TURVAPAKETTI 5 laitetta", "Koko perheen tietoturva viidelle laitteelle.", 890, {"family": "turvapaketti", "rank": 2, "needs_licence_key": True, "download_url": "https://download.example.fi/turvapaketti/"}),
    ("broadband", "LAAJAKAISTA-100", "Laajakaista 100M", "Kiinteä laajakaista 100 Mbit/s.", 2990, {"family": "broadband", "rank": 1, "mailbox_count": 2}),
    ("broadband", "LAAJAKAISTA-300", "Laajakaista 300M", "Kiinteä laajakaista 300 Mbit/s.", 3990, {"family": "broadband", "rank": 2, "mailbox_count": 2}),
    ("broadband", "LAAJAKAISTA-1000", "Laajakaista 1000M", "Kiinteä laajakaista 1000 Mbit/s.", 5490, {"family": "broadband", "rank": 3, "mailbox_count": 3}),
    ("email", "LISAPOSTILAATIKKO", "Lisäsähköpostilaatikko", "Yksi sähköpostilaatikko lisää, 5 Gt.", 200, {"mailbox_count": 1}),
]

CHANNELS = [
    ("Sport One", "Urheilu"), ("Sport Two", "Urheilu"), ("Jääkiekko TV", "Urheilu"),
    ("Golf Kanava", "Urheilu"), ("Elokuva Klassikot", "Elokuvat"), ("Elokuva Ensi-ilta", "Elokuvat"),
    ("Sarja TV", "Sarjat"), ("Komedia TV", "Sarjat"), ("Dokumentti Maailma", "Dokumentit"),
    ("Luonto HD", "Dokumentit"), ("Historia Kanava", "Dokumentit"), ("Tiede TV", "Dokumentit"),
    ("Lasten Aarre", "Lapset"), ("Junior Plus", "Lapset"), ("Musiikki Live", "Musiikki"),
    ("Ruoka & Koti", "Elämäntyyli"), ("Matkailu TV", "Elämäntyyli"), ("Uutiset 24", "Uutiset"),
]


# Swedish and English versions: (name, description) per language; a missing one falls back to Finnish.
PRODUCT_TRANSLATIONS = {
    "SPORT-PLUS": (("Sport Plus", "Fotboll, ishockey och motorsport i direktsändning."),
                   ("Sport Plus", "Live football, ice hockey and motorsport.")),
    "ELOKUVA-PREMIUM": (("Film Premium", "De senaste filmerna i premiär varje vecka."),
                        ("Film Premium", "The latest films, new premieres every week.")),
    "JUNIOR": (("Barnkanalen Junior", "Reklamfria program för barn."),
               ("Kids' Channel Junior", "Ad-free programmes for children.")),
    "DOKUMENTTI": (("Dokumentärkanalen", "Natur, historia och vetenskap."),
                   ("Documentary Channel", "Nature, history and science.")),
    "KIEKKOKAUSI": (("Ishockeysäsongen", "Alla matcher under säsongen, tidsbundet avtal på 12 månader."),
                    ("Ice Hockey Season", "Every match of the season, fixed term of 12 months.")),
    "MIX-3": (("MIX 3", "Välj tre kanaler ur kanalutbudet."), ("MIX 3", "Choose three channels from the selection.")),
    "MIX-6": (("MIX 6", "Välj sex kanaler ur kanalutbudet."), ("MIX 6", "Choose six channels from the selection.")),
    "MIX-10": (("MIX 10", "Välj tio kanaler ur kanalutbudet."), ("MIX 10", "Choose ten channels from the selection.")),
    "TURVAPAKETTI-3": (("F-Secure TURVAPAKETTI 3 enheter", "Datasäkerhet för hela familjen på tre enheter."),
                       ("F-Secure TURVAPAKETTI 3 devices", "Security for the whole family on three devices.")),
    "TURVAPAKETTI-5": (("F-Secure TURVAPAKETTI 5 enheter", "Datasäkerhet för hela familjen på fem enheter."),
                       ("F-Secure TURVAPAKETTI 5 devices", "Security for the whole family on five devices.")),
    "LAAJAKAISTA-100": (("Bredband 100M", "Fast bredband 100 Mbit/s."), ("Broadband 100M", "Fixed broadband, 100 Mbit/s.")),
    "LAAJAKAISTA-300": (("Bredband 300M", "Fast bredband 300 Mbit/s."), ("Broadband 300M", "Fixed broadband, 300 Mbit/s.")),
    "LAAJAKAISTA-1000": (("Bredband 1000M", "Fast bredband 1000 Mbit/s."),
                         ("Broadband 1000M", "Fixed broadband, 1000 Mbit/s.")),
    "LISAPOSTILAATIKKO": (("Extra e-postlåda", "En e-postlåda till, 5 GB."), ("Extra mailbox", "One more mailbox, 5 GB.")),
}

# Channel names are brands and stay as they are; the descriptions come in three languages.
CHANNEL_DESCRIPTIONS = {
    "Sport One": ("Jalkapalloa ja yleisurheilua.", "Fotboll och friidrott.", "Football and athletics."),
    "Sport Two": ("Tennistä, golfia ja moottoriurheilua.", "Tennis, golf och motorsport.", "Tennis, golf and motorsport."),
    "Jääkiekko TV": ("Liigaottelut ja MM-kisat.", "Ligamatcher och VM.", "League matches and the World Championship."),
    "Golf Kanava": ("Kiertueet ja opetusta.", "Tävlingar och golfskola.", "Tournaments and lessons."),
    "Elokuva Klassikot": ("Elokuvahistorian helmiä.", "Filmhistoriens pärlor.", "Gems of film history."),
    "Elokuva Ensi-ilta": ("Uusia elokuvia viikoittain.", "Nya filmer varje vecka.", "New films every week."),
    "Sarja TV": ("Kotimaisia ja ulkomaisia sarjoja.", "Inhemska och utländska serier.", "Finnish and international series."),
    "Komedia TV": ("Komediasarjoja ja stand-upia.", "Komediserier och stand-up.", "Sitcoms and stand-up."),
    "Dokumentti Maailma": ("Dokumentteja eri puolilta maailmaa.", "Dokumentärer från hela världen.",
                           "Documentaries from around the world."),
    "Luonto HD": ("Luontoa teräväpiirtona.", "Natur i HD.", "Nature in high definition."),
    "Historia Kanava": ("Historiaa ja henkilökuvia.", "Historia och porträtt.", "History and portraits."),
    "Tiede TV": ("Tiedettä ja tekniikkaa.", "Vetenskap och teknik.", "Science and technology."),
    "Lasten Aarre": ("Ohjelmia pienille katsojille.", "Program för de minsta tittarna.", "Programmes for the youngest viewers."),
    "Junior Plus": ("Ohjelmia kouluikäisille.", "Program för skolbarn.", "Programmes for school-age children."),
    "Musiikki Live": ("Konsertteja ja musiikkivideoita.", "Konserter och musikvideor.", "Concerts and music videos."),
    "Ruoka & Koti": ("Ruokaa, sisustusta ja puutarhaa.", "Mat, inredning och trädgård.", "Food, interiors and gardening."),
    "Matkailu TV": ("Matkakohteita läheltä ja kaukaa.", "Resmål nära och fjärran.", "Destinations near and far."),
    "Uutiset 24": ("Uutisia ympäri vuorokauden.", "Nyheter dygnet runt.", "News around the clock."),
}


def database_has_data() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Customer))) or bool(
        db.session.scalar(select(func.count()).select_from(Product)))


def load() -> None:
    """Fill an empty database; dates are relative to today so the demo never goes stale."""
    day = today()
    db.session.add(OperatorSettings(
        id=1, name="IPP", phone="03 450 51", hours="ma–pe 8–16", hours_sv="mån–fre 8–16", hours_en="Mon–Fri 8–16",
        email="asiakaspalvelu@ipp.fi", mail_domain="ipp.fi",
    ))
    groups = {code: ProductGroup(code=code, name=fi, name_sv=sv, name_en=en, position=i)
              for i, (code, fi, sv, en) in enumerate(GROUPS)}
    products = {code: Product(group=groups[group], code=code, name=name, description=text,
                              price_cents=price, vat_basis_points=2550, position=i, **extra)
                for i, (group, code, name, text, price, extra) in enumerate(PRODUCTS)}
    channels = [Channel(name=name, genre=genre, position=i) for i, (name, genre) in enumerate(CHANNELS)]
    for code, ((name_sv, text_sv), (name_en, text_en)) in PRODUCT_TRANSLATIONS.items():
        products[code].name_sv, products[code].description_sv = name_sv, text_sv
        products[code].name_en, products[code].description_en = name_en, text_en
    for channel in channels:
        channel.description, channel.description_sv, channel.description_en = CHANNEL_DESCRIPTIONS[channel.name]
    db.session.add_all([*groups.values(), *products.values(), *channels])
    keys = [LicenceKey(product=products[code], key=f"FSTP-{n:04d}-DEMO-{code[-1]}{n:03d}")
            for code in ("TURVAPAKETTI-3", "TURVAPAKETTI-5") for n in range(1, 11)]
    db.session.add_all(keys)
    db.session.add_all([
        CannedReply(name="Kiitos palautteesta", body="Kiitos palautteestasi! Välitimme sen eteenpäin."),
        CannedReply(name="Modeemin uudelleenkäynnistys",
                    body="Kokeilethan käynnistää modeemin uudelleen: irrota virtajohto minuutiksi ja kytke se takaisin."),
    ])

    since = date(2019, 3, 1)
    matti = _customer("100001", "Matti Virtanen", "matti.virtanen@example.fi", "Lumi-Ranta-Kello-71",
                      ("connection", "service", "billing"), since, "Hämeenkatu 10 A 5", "040 123 4567")
    matti.pay_tv_cards.append(PayTvCard(card_number="0100 2345 6789", valid_until=day + timedelta(days=730)))
    _subscribe(matti, products["LAAJAKAISTA-100"], since)
    mix = _subscribe(matti, products["MIX-6"], date(2021, 1, 15))
    mix.mix_choices = [MixChoice(channel=c) for c in channels[:4]]
    security = _subscribe(matti, products["TURVAPAKETTI-3"], date(2022, 5, 23))
    keys[0].subscription = security
    keys[0].assigned_at = utcnow()
    _subscribe(matti, products["KIEKKOKAUSI"], date(2023, 9, 1), ends_on=date(2024, 8, 31), status="ended")
    _invoices(matti, [products[code] for code in ("LAAJAKAISTA-100", "MIX-6", "TURVAPAKETTI-3")], day)
    db.session.add(Mailbox(customer=matti, address="matti.virtanen@ipp.fi", local_part="matti.virtanen",
                           domain="ipp.fi", password_hash=hash_mailbox_password("Posti-Laatikko-Sana-42")))

    liisa = _customer("100002", "Liisa Korhonen", "liisa.korhonen@example.fi", "Sade-Metsa-Tuoli-38",
                      ("connection", "service", "billing"), date(2020, 6, 1), "Puistokatu 3", "050 765 4321")
    _subscribe(liisa, products["LAAJAKAISTA-300"], date(2020, 6, 1))
    pekka = _customer("100003", "Pekka Nieminen", "pekka.nieminen@example.fi", "Kuu-Joki-Lamppu-55",
                      ("connection",), date(2024, 2, 1), "Rautatienkatu 21 B 12", "044 555 0101")
    _subscribe(pekka, products["LAAJAKAISTA-100"], date(2024, 2, 1))
    anna = _customer("100004", "Anna Mäkinen", "anna.makinen@example.fi", "Tuuli-Kivi-Poyta-12",
                     ("connection", "billing"), date(2018, 1, 1), "Satakunnankatu 5", "045 222 3344")
    for agreement in anna.agreements:
        agreement.valid_until = date(2024, 12, 31)

    db.session.add_all([matti, liisa, pekka, anna])
    db.session.add(Account(username="yllapito", display_name="Ylläpito", role="admin",
                           password_hash=hash_password("Hallinta-Demo-2026-x"),
                           totp_secret="26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE", totp_enabled=True))
    db.session.commit()


def _customer(number, name, email, password, kinds, since, street, phone) -> Customer:
    """A demo customer as the import or the console would store them (the phone in international format)."""
    customer = Customer(customer_number=number, name=name, email=email, phone=normalise_phone(phone),
                        street_address=street, postal_code="33100", city="Tampere")
    customer.agreements = [Agreement(kind=kind, valid_from=since) for kind in kinds]
    customer.account = Account(role="customer", password_hash=hash_password(password))
    return customer


# The IBAN registry's example account for Finland; a one-page PDF standing in for the billing
# system's copy.
DEMO_IBAN = "FI2112345600000785"
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _invoices(customer: Customer, products: list[Product], day: date) -> None:
    """Three monthly invoices of the customer's services: the latest open, the older ones paid."""
    invoice_date = day.replace(day=1)
    for age in range(3):
        lines = [InvoiceLine(position=i, description=p.name, detail=f"{invoice_date:%m/%Y}",
                             net_cents=p.price_cents - vat_part(p.price_cents, p.vat_basis_points),
                             vat_basis_points=p.vat_basis_points, vat_cents=vat_part(p.price_cents, p.vat_basis_points),
                             gross_cents=p.price_cents) for i, p in enumerate(products)]
        db.session.add(Invoice(
            customer=customer, number=f"{invoice_date:%Y%m}{customer.customer_number}",
            invoice_date=invoice_date, due_date=invoice_date + timedelta(days=14),
            reference=finnish_reference(f"{customer.customer_number}{invoice_date:%y%m}"), iban=DEMO_IBAN,
            net_cents=sum(line.net_cents for line in lines), vat_cents=sum(line.vat_cents for line in lines),
            gross_cents=sum(line.gross_cents for line in lines), status="open" if age == 0 else "paid",
            pdf=DEMO_PDF, lines=lines))
        invoice_date = (invoice_date - timedelta(days=1)).replace(day=1)


def _subscribe(customer: Customer, product: Product, starts_on: date, ends_on: date | None = None,
               status: str = "active") -> Subscription:
    subscription = Subscription(customer=customer, product=product, starts_on=starts_on,
                                ends_on=ends_on, status=status)
    # Ordered when it began (an upcoming one today), as the console's order list then says.
    ordered_at = min(datetime.combine(starts_on, time(9), tzinfo=UTC), utcnow())
    db.session.add(Order(customer=customer, product=product, subscription=subscription, status="delivered",
                         idempotency_key=f"demo-{customer.customer_number}-{product.code}",
                         price_cents=product.price_cents, vat_basis_points=product.vat_basis_points,
                         created_at=ordered_at))
    return subscription
