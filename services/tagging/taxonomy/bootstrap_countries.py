#!/usr/bin/env python3
"""Prints the countries section of default.yaml: the 193 UN members and the
two observer states, each with names, demonyms, region, capital and largest
cities (narrower places). Used once to bootstrap the file; default.yaml is
the source of truth from then on (edit it, not this table).

Row: slug | name | aliases | demonyms | region | capitals | cities
Lists are separated by `;`. Plurals of demonyms are added here.
"""
import json
import sys

ROWS = """
algeria|Algeria|People's Democratic Republic of Algeria|Algerian|north-africa|Algiers|Oran
angola|Angola||Angolan|central-africa|Luanda|
benin|Benin||Beninese|west-africa|Porto-Novo|Cotonou
botswana|Botswana||Botswanan;Motswana;Batswana|southern-africa|Gaborone|
burkina-faso|Burkina Faso|Burkina|Burkinabe;Burkinabè|west-africa|Ouagadougou|
burundi|Burundi||Burundian|east-africa|Gitega|Bujumbura
cabo-verde|Cabo Verde|Cape Verde|Cape Verdean;Cabo Verdean|west-africa|Praia|
cameroon|Cameroon||Cameroonian|central-africa|Yaoundé;Yaounde|Douala
central-african-republic|Central African Republic|||central-africa|Bangui|
chad|Chad||Chadian|central-africa|N'Djamena;Ndjamena|
comoros|Comoros|Union of the Comoros|Comorian|east-africa|Moroni|
dr-congo|Democratic Republic of the Congo|DR Congo;Democratic Republic of Congo;Congo-Kinshasa||central-africa|Kinshasa|Lubumbashi;Goma
republic-of-the-congo|Republic of the Congo|Republic of Congo;Congo-Brazzaville||central-africa|Brazzaville|Pointe-Noire
djibouti|Djibouti||Djiboutian|east-africa||
egypt|Egypt|Arab Republic of Egypt|Egyptian|north-africa|Cairo|Alexandria
equatorial-guinea|Equatorial Guinea||Equatoguinean;Equatorial Guinean|central-africa|Malabo|
eritrea|Eritrea||Eritrean|east-africa|Asmara|
eswatini|Eswatini|Swaziland;Kingdom of Eswatini|Swazi|southern-africa|Mbabane|Manzini
ethiopia|Ethiopia||Ethiopian|east-africa|Addis Ababa|
gabon|Gabon||Gabonese|central-africa|Libreville|
gambia|Gambia|The Gambia|Gambian|west-africa|Banjul|
ghana|Ghana||Ghanaian|west-africa|Accra|Kumasi
guinea|Guinea|Republic of Guinea|Guinean|west-africa|Conakry|
guinea-bissau|Guinea-Bissau|Guinea Bissau|Bissau-Guinean|west-africa|Bissau|
cote-divoire|Côte d'Ivoire|Cote d'Ivoire;Ivory Coast|Ivorian|west-africa|Yamoussoukro|Abidjan
kenya|Kenya||Kenyan|east-africa|Nairobi|Mombasa
lesotho|Lesotho||Mosotho;Basotho|southern-africa|Maseru|
liberia|Liberia||Liberian|west-africa|Monrovia|
libya|Libya||Libyan|north-africa|Tripoli|Benghazi
madagascar|Madagascar||Malagasy|east-africa|Antananarivo|
malawi|Malawi||Malawian|east-africa|Lilongwe|Blantyre
mali|Mali||Malian|west-africa|Bamako|
mauritania|Mauritania||Mauritanian|west-africa|Nouakchott|
mauritius|Mauritius||Mauritian|east-africa|Port Louis|
morocco|Morocco||Moroccan|north-africa|Rabat|Casablanca
mozambique|Mozambique||Mozambican|southern-africa|Maputo|
namibia|Namibia||Namibian|southern-africa|Windhoek|
niger|Niger||Nigerien|west-africa|Niamey|
nigeria|Nigeria|Niger Delta|Nigerian|west-africa|Abuja|Lagos;Kano
rwanda|Rwanda||Rwandan|east-africa|Kigali|
sao-tome-and-principe|São Tomé and Príncipe|Sao Tome and Principe|Santomean|central-africa|São Tomé;Sao Tome|
senegal|Senegal||Senegalese|west-africa|Dakar|
seychelles|Seychelles||Seychellois|east-africa||
sierra-leone|Sierra Leone||Sierra Leonean|west-africa|Freetown|
somalia|Somalia||Somali|east-africa|Mogadishu|
south-africa|South Africa||South African|southern-africa|Pretoria|Johannesburg;Cape Town
south-sudan|South Sudan||South Sudanese|east-africa|Juba|
sudan|Sudan||Sudanese|north-africa|Khartoum|Omdurman;Port Sudan
tanzania|Tanzania||Tanzanian|east-africa|Dodoma|Dar es Salaam
togo|Togo||Togolese|west-africa|Lomé;Lome|
tunisia|Tunisia||Tunisian|north-africa|Tunis|
uganda|Uganda||Ugandan|east-africa|Kampala|
zambia|Zambia||Zambian|southern-africa|Lusaka|
zimbabwe|Zimbabwe||Zimbabwean|southern-africa|Harare|Bulawayo
kazakhstan|Kazakhstan|Republic of Kazakhstan;Qazaqstan|Kazakh;Kazakhstani|central-asia|Astana;Nur-Sultan|Almaty;Alma-Ata;Shymkent
kyrgyzstan|Kyrgyzstan|Kyrgyz Republic;Kirghizia|Kyrgyz;Kyrgyzstani|central-asia|Bishkek|Osh
tajikistan|Tajikistan||Tajik;Tajikistani|central-asia|Dushanbe|Khujand
turkmenistan|Turkmenistan||Turkmen|central-asia|Ashgabat|
uzbekistan|Uzbekistan||Uzbek;Uzbekistani|central-asia|Tashkent|Samarkand
china|China|People's Republic of China|Chinese|east-asia|Beijing|Shanghai
japan|Japan||Japanese|east-asia|Tokyo|Osaka
mongolia|Mongolia||Mongolian|east-asia|Ulaanbaatar;Ulan Bator|
north-korea|North Korea|Democratic People's Republic of Korea|North Korean|east-asia|Pyongyang|
south-korea|South Korea|Republic of Korea|South Korean|east-asia|Seoul|Busan
brunei|Brunei|Brunei Darussalam|Bruneian|southeast-asia|Bandar Seri Begawan|
cambodia|Cambodia|Kingdom of Cambodia|Cambodian|southeast-asia|Phnom Penh|
indonesia|Indonesia||Indonesian|southeast-asia|Jakarta|Surabaya
laos|Laos|Lao PDR;Lao People's Democratic Republic|Laotian|southeast-asia|Vientiane|
malaysia|Malaysia||Malaysian|southeast-asia|Kuala Lumpur|
myanmar|Myanmar|Burma|Burmese|southeast-asia|Naypyidaw;Nay Pyi Taw;Naypyitaw|Yangon;Rangoon
philippines|Philippines|The Philippines|Filipino;Philippine|southeast-asia|Manila|Quezon City
singapore|Singapore|Republic of Singapore|Singaporean|southeast-asia||
thailand|Thailand|Kingdom of Thailand|Thai|southeast-asia|Bangkok|
timor-leste|Timor-Leste|East Timor|Timorese|southeast-asia|Dili|
vietnam|Vietnam|Viet Nam|Vietnamese|southeast-asia|Hanoi|Ho Chi Minh City;Saigon
afghanistan|Afghanistan||Afghan|south-asia|Kabul|Kandahar
bangladesh|Bangladesh||Bangladeshi|south-asia|Dhaka|Chittagong;Chattogram
bhutan|Bhutan||Bhutanese|south-asia|Thimphu|
india|India|Republic of India|Indian|south-asia|New Delhi|Mumbai;Bombay
maldives|Maldives|The Maldives|Maldivian|south-asia|Malé|
nepal|Nepal||Nepali;Nepalese|south-asia|Kathmandu|
pakistan|Pakistan||Pakistani|south-asia|Islamabad|Karachi;Lahore
sri-lanka|Sri Lanka||Sri Lankan|south-asia|Sri Jayawardenepura Kotte|Colombo
iran|Iran|Islamic Republic of Iran|Iranian|middle-east|Tehran|Mashhad;Isfahan
bahrain|Bahrain||Bahraini|middle-east|Manama|
iraq|Iraq||Iraqi|middle-east|Baghdad|Basra;Mosul
israel|Israel|State of Israel|Israeli|middle-east||Tel Aviv
jordan|Jordan|Hashemite Kingdom of Jordan|Jordanian|middle-east|Amman|
kuwait|Kuwait|State of Kuwait|Kuwaiti|middle-east|Kuwait City|
lebanon|Lebanon||Lebanese|middle-east|Beirut|
oman|Oman|Sultanate of Oman|Omani|middle-east|Muscat|
qatar|Qatar||Qatari|middle-east|Doha|
saudi-arabia|Saudi Arabia|Kingdom of Saudi Arabia|Saudi|middle-east|Riyadh|Jeddah
syria|Syria|Syrian Arab Republic|Syrian|middle-east|Damascus|Aleppo
turkey|Turkey|Türkiye;Turkiye;Republic of Türkiye|Turkish;Turks|middle-east|Ankara|Istanbul
united-arab-emirates|United Arab Emirates||Emirati|middle-east|Abu Dhabi|Dubai
yemen|Yemen||Yemeni|middle-east|Sanaa;Sana'a|Aden
palestine|Palestine|State of Palestine;Palestinian territories|Palestinian|middle-east|Ramallah|Gaza City
armenia|Armenia||Armenian|caucasus|Yerevan|
azerbaijan|Azerbaijan||Azerbaijani;Azeri|caucasus|Baku|
georgia|Georgia||Georgian|caucasus|Tbilisi|Batumi
albania|Albania||Albanian|europe|Tirana|
andorra|Andorra||Andorran|europe|Andorra la Vella|
austria|Austria||Austrian|europe|Vienna|
belarus|Belarus||Belarusian|europe|Minsk|
belgium|Belgium||Belgian|europe|Brussels|Antwerp
bosnia-and-herzegovina|Bosnia and Herzegovina|Bosnia-Herzegovina;Bosnia|Bosnian|europe|Sarajevo|
bulgaria|Bulgaria||Bulgarian|europe|Sofia|
croatia|Croatia||Croatian;Croat|europe|Zagreb|
cyprus|Cyprus|Republic of Cyprus|Cypriot|europe|Nicosia|
czechia|Czechia|Czech Republic|Czech|europe|Prague|
denmark|Denmark||Danish;Danes|europe|Copenhagen|
estonia|Estonia||Estonian|europe|Tallinn|
finland|Finland||Finnish;Finns|europe|Helsinki|
france|France|French Republic|French|europe|Paris|Marseille
germany|Germany|Federal Republic of Germany|German|europe|Berlin|Hamburg;Munich
greece|Greece|Hellenic Republic|Greek|europe|Athens|Thessaloniki
hungary|Hungary||Hungarian|europe|Budapest|
iceland|Iceland||Icelandic;Icelander|europe|Reykjavik;Reykjavík|
ireland|Ireland|Republic of Ireland;Éire|Irish|europe|Dublin|Cork
italy|Italy|Italian Republic|Italian|europe|Rome|Milan
latvia|Latvia||Latvian|europe|Riga|
liechtenstein|Liechtenstein||Liechtensteiner|europe|Vaduz|
lithuania|Lithuania||Lithuanian|europe|Vilnius|
luxembourg|Luxembourg|Grand Duchy of Luxembourg|Luxembourgish;Luxembourger|europe||
malta|Malta||Maltese|europe|Valletta|
moldova|Moldova|Republic of Moldova|Moldovan|europe|Chisinau;Chișinău|
monaco|Monaco|Principality of Monaco|Monegasque|europe||
montenegro|Montenegro||Montenegrin|europe|Podgorica|
netherlands|Netherlands|The Netherlands;Holland|Dutch|europe|Amsterdam|Rotterdam;The Hague
north-macedonia|North Macedonia|Macedonia|Macedonian|europe|Skopje|
norway|Norway||Norwegian|europe|Oslo|
poland|Poland||Polish|europe|Warsaw|Krakow;Kraków
portugal|Portugal||Portuguese|europe|Lisbon|Porto
romania|Romania||Romanian|europe|Bucharest|
russia|Russia|Russian Federation|Russian|europe|Moscow|Saint Petersburg;St Petersburg;St. Petersburg
san-marino|San Marino||Sammarinese|europe||
serbia|Serbia||Serbian;Serb|europe|Belgrade|
slovakia|Slovakia|Slovak Republic|Slovak;Slovakian|europe|Bratislava|
slovenia|Slovenia||Slovenian;Slovene|europe|Ljubljana|
spain|Spain||Spanish;Spaniard|europe|Madrid|Barcelona
sweden|Sweden||Swedish;Swedes|europe|Stockholm|Gothenburg
switzerland|Switzerland|Swiss Confederation|Swiss|europe|Bern;Berne|Zurich;Zürich;Geneva
ukraine|Ukraine||Ukrainian|europe|Kyiv;Kiev|Kharkiv;Kharkov;Odesa;Odessa
united-kingdom|United Kingdom|Britain;Great Britain;U.K.;United Kingdom of Great Britain and Northern Ireland|British;Briton|europe|London|Manchester
holy-see|Holy See|Vatican;Vatican City;Vatican City State||europe||
canada|Canada||Canadian|north-america|Ottawa|Toronto;Montreal
mexico|Mexico|United Mexican States|Mexican|north-america|Mexico City|Guadalajara
united-states|United States|United States of America;U.S.;U.S.A.;America|American|north-america|Washington, D.C.;Washington DC;Washington D.C.;Washington|New York City;New York;Los Angeles
belize|Belize||Belizean|central-america|Belmopan|Belize City
costa-rica|Costa Rica||Costa Rican|central-america|San José;San Jose|
el-salvador|El Salvador||Salvadoran;Salvadorean|central-america|San Salvador|
guatemala|Guatemala||Guatemalan|central-america|Guatemala City|
honduras|Honduras||Honduran|central-america|Tegucigalpa|
nicaragua|Nicaragua||Nicaraguan|central-america|Managua|
panama|Panama||Panamanian|central-america|Panama City|
antigua-and-barbuda|Antigua and Barbuda|Antigua|Antiguan|caribbean||
bahamas|Bahamas|The Bahamas|Bahamian|caribbean|Nassau|
barbados|Barbados||Barbadian;Bajan|caribbean|Bridgetown|
cuba|Cuba||Cuban|caribbean|Havana|
dominica|Dominica|Commonwealth of Dominica||caribbean|Roseau|
dominican-republic|Dominican Republic||Dominican|caribbean|Santo Domingo|
grenada|Grenada||Grenadian|caribbean||
haiti|Haiti||Haitian|caribbean|Port-au-Prince|
jamaica|Jamaica||Jamaican|caribbean||
saint-kitts-and-nevis|Saint Kitts and Nevis|St Kitts and Nevis;St. Kitts and Nevis|Kittitian|caribbean|Basseterre|
saint-lucia|Saint Lucia|St Lucia;St. Lucia|Saint Lucian;St Lucian|caribbean|Castries|
saint-vincent-and-the-grenadines|Saint Vincent and the Grenadines|St Vincent and the Grenadines;St. Vincent and the Grenadines|Vincentian|caribbean|Kingstown|
trinidad-and-tobago|Trinidad and Tobago|Trinidad|Trinidadian;Tobagonian|caribbean|Port of Spain|
argentina|Argentina|Argentine Republic|Argentine;Argentinian|south-america|Buenos Aires|
bolivia|Bolivia|Plurinational State of Bolivia|Bolivian|south-america|Sucre;La Paz|Santa Cruz de la Sierra
brazil|Brazil|Federative Republic of Brazil|Brazilian|south-america|Brasília;Brasilia|São Paulo;Sao Paulo;Rio de Janeiro
chile|Chile||Chilean|south-america|Santiago|
colombia|Colombia||Colombian|south-america|Bogotá;Bogota|Medellín;Medellin
ecuador|Ecuador||Ecuadorian;Ecuadorean|south-america|Quito|Guayaquil
guyana|Guyana||Guyanese|south-america|Georgetown|
paraguay|Paraguay||Paraguayan|south-america|Asunción;Asuncion|
peru|Peru||Peruvian|south-america|Lima|
suriname|Suriname|Surinam|Surinamese|south-america|Paramaribo|
uruguay|Uruguay||Uruguayan|south-america|Montevideo|
venezuela|Venezuela|Bolivarian Republic of Venezuela|Venezuelan|south-america|Caracas|Maracaibo
australia|Australia|Commonwealth of Australia|Australian|oceania|Canberra|Sydney;Melbourne
fiji|Fiji||Fijian|oceania|Suva|
kiribati|Kiribati||I-Kiribati|oceania|South Tarawa;Tarawa|
marshall-islands|Marshall Islands|Republic of the Marshall Islands|Marshallese|oceania|Majuro|
micronesia|Federated States of Micronesia|Micronesia|Micronesian|oceania|Palikir|
nauru|Nauru||Nauruan|oceania||
new-zealand|New Zealand|Aotearoa|New Zealander|oceania|Wellington|Auckland
palau|Palau||Palauan|oceania|Ngerulmud|
papua-new-guinea|Papua New Guinea|PNG|Papua New Guinean|oceania|Port Moresby|
samoa|Samoa|Independent State of Samoa|Samoan|oceania|Apia|
solomon-islands|Solomon Islands|The Solomon Islands|Solomon Islander|oceania|Honiara|
tonga|Tonga|Kingdom of Tonga|Tongan|oceania|Nuku'alofa;Nukuʻalofa|
tuvalu|Tuvalu||Tuvaluan|oceania|Funafuti|
vanuatu|Vanuatu||Ni-Vanuatu|oceania|Port Vila|
"""

# Per-concept extras for names that are also common words, people's names
# or parts of other names.
EXTRA = {
    "chad": {"case": "capitalised", "namesake": "given"},
    "china": {"case": "capitalised", "exclude": ["China Grove", "fine china", "bone china"]},
    "turkey": {"case": "capitalised", "exclude": ["roast turkey", "Thanksgiving turkey", "turkey dinner", "wild turkey", "Turkey Day", "cold turkey", "Turks and Caicos", "Turkish delight"],
               "when": {"none_of": ["Thanksgiving", "poultry", "gravy", "stuffing", "drumstick*"]}},
    "jordan": {"case": "capitalised", "namesake": "both"},
    "georgia": {"case": "capitalised", "namesake": "given",
                "exclude": ["Georgia Tech", "Georgia Bulldogs", "Georgia State", "Georgia Power", "Georgian architecture", "Georgian townhouse", "Georgian terrace"],
                "when": {"none_of": ["Atlanta", "Savannah", "Peach State", "Macon", "Fulton County", "Augusta", "Athens, Georgia"]}},
    "guinea": {"case": "capitalised", "exclude": ["guinea pig", "guinea pigs", "guinea fowl", "New Guinea"]},
    "chile": {"case": "capitalised", "exclude": ["Chile pepper", "Chile peppers"]},
    "panama": {"case": "capitalised", "exclude": ["Panama hat", "Panama hats", "Panama Papers"]},
    "cuba": {"exclude": ["Cuba Gooding", "Cuba Gooding Jr."]},
    "niger": {"case": "capitalised", "exclude": ["Niger River"]},
    "lebanon": {"exclude": ["Lebanon, Pennsylvania", "Lebanon, Pa.", "Lebanon, PA", "Lebanon, Ohio", "Lebanon, Tennessee", "Lebanon, New Hampshire", "Lebanon, Missouri", "Lebanon, Indiana", "Lebanon, Oregon", "Lebanon, Kentucky"]},
    "poland": {"case": "capitalised"},
    "india": {"exclude": ["Indian Ocean", "American Indian", "American Indians", "West Indian", "Indian summer", "Indian Wells"]},
    "france": {"exclude": ["French fries", "French toast", "French press", "French horn", "French kiss", "French Open", "French Guiana"]},
    "russia": {"exclude": ["Russian roulette", "Russian doll", "Russian dolls", "Russian dressing"]},
    "greece": {"exclude": ["Greek yogurt", "Greek yoghurt", "Greek salad", "Greek life"]},
    "germany": {"exclude": ["German shepherd", "German Shepherd", "German measles"]},
    "netherlands": {"exclude": ["Dutch oven", "Dutch courage", "Dutch auction"]},
    "ireland": {"exclude": ["Irish coffee", "Irish setter", "Northern Irish"]},
    "switzerland": {"exclude": ["Swiss cheese", "Swiss army knife", "Swiss Army knife", "Swiss chard"]},
    "denmark": {"exclude": ["Danish pastry", "Danish pastries"]},
    "belgium": {"exclude": ["Belgian waffle", "Belgian waffles"]},
    "spain": {"exclude": ["Spanish flu"]},
    "egypt": {"exclude": ["Egyptian cotton"]},
    "afghanistan": {"exclude": ["Afghan hound", "Afghan hounds"]},
    "canada": {"exclude": ["Canadian bacon", "Canada goose", "Canada geese", "Canada Goose"]},
    "mexico": {"exclude": ["New Mexico", "New Mexican", "Mexican wave"]},
    "samoa": {"exclude": ["American Samoa"]},
    "sudan": {},
    "united-states": {"acronyms": ["US", "USA"],
                      "exclude": ["Latin American", "South American", "Central American", "North American", "Native American", "Native Americans", "American football", "American Samoa", "American Indian", "American Indians", "Captain America"]},
    "united-kingdom": {"acronyms": ["UK"], "exclude": ["British Columbia", "British Virgin Islands"]},
    "united-arab-emirates": {"acronyms": ["UAE"]},
    "china-acr": {},
    "north-korea": {"acronyms": ["DPRK"]},
    "dr-congo": {"acronyms": ["DRC"]},
    "papua-new-guinea": {"acronyms": []},
}
PNG_ACRONYM = {"papua-new-guinea": "PNG"}

CITY_EXTRA = {
    "paris": {"namesake": "given", "exclude": ["Paris, Texas", "Paris, Tennessee", "Paris Hilton"]},
    "london": {"namesake": "surname", "exclude": ["London, Ontario"]},
    "berlin": {"namesake": "surname"},
    "sofia": {"namesake": "given"},
    "sydney": {"namesake": "given", "exclude": ["Sydney, Nova Scotia"]},
    "santiago": {"namesake": "given", "exclude": ["Santiago de Compostela"]},
    "washington-dc": {"namesake": "surname", "exclude": ["Washington state", "Washington State", "Washington Post", "University of Washington", "George Washington", "Denzel Washington"]},
    "athens": {"exclude": ["Athens, Georgia", "Athens, Ohio", "Athens, Ga."]},
    "san-jose": {"exclude": ["San Jose, California", "San Jose, Calif."]},
    "panama-city": {"exclude": ["Panama City, Florida", "Panama City Beach"]},
    "georgetown": {"exclude": ["Georgetown University"]},
    "saint-petersburg": {"exclude": ["St. Petersburg, Florida", "St Petersburg, Florida", "St. Petersburg, Fla."]},
    "odesa": {"exclude": ["Odessa, Texas"]},
    "wellington": {"namesake": "surname", "exclude": ["Wellington boots", "Beef Wellington", "beef Wellington"]},
    "tripoli": {},
    "new-york-city": {"exclude": ["New York Times", "New York Yankees", "New York Knicks"]},
    "lima": {"exclude": ["Lima, Ohio", "lima beans", "Lima beans"]},
    "moscow": {"exclude": ["Moscow, Idaho"]},
    "melbourne": {"exclude": ["Melbourne, Florida"]},
    "la-paz": {"exclude": ["La Paz, Baja California", "La Paz, Mexico"]},
    "dublin": {"exclude": ["Dublin, Ohio", "Dublin, California"]},
    "brussels": {"exclude": ["Brussels sprouts", "brussels sprouts"]},
    "porto": {"exclude": ["Porto Alegre"]},
    "osh": {"case": "exact"},
    "cork": {"case": "capitalised"},
    "muscat": {"case": "capitalised"},
    "milan": {"namesake": "given"},
    "alexandria": {"namesake": "given", "exclude": ["Alexandria, Virginia", "Alexandria, Va."]},
    "manila": {"case": "capitalised", "exclude": ["Manila envelope", "manila envelope"]},
}

NO_PLURAL_ENDINGS = ("ese", "ss", "sh", "ch", "s", "i-kiribati", "Malagasy", "Basotho", "Motswana", "Batswana", "Ni-Vanuatu", "I-Kiribati")


def q(s):
    """YAML scalar, quoted when it needs to be."""
    if any(c in s for c in ",:'\"[]{}#&*!|>%@`") or s.lower() in ("yes", "no", "true", "false", "null", "on", "off"):
        return json.dumps(s, ensure_ascii=False)
    return s


def flow(items):
    return "[" + ", ".join(q(i) for i in items) + "]"


def slug(name):
    out = []
    for c in name.lower():
        c = {"é": "e", "í": "i", "á": "a", "ã": "a", "ó": "o", "ú": "u", "ü": "u", "ș": "s", "ʻ": "", "'": "", ".": "", ",": ""}.get(c, c)
        if c:
            out.append(c if c.isalnum() else "-")
    return "-".join(p for p in "".join(out).split("-") if p)


def plural(d):
    if d.endswith(NO_PLURAL_ENDINGS) or d in NO_PLURAL_ENDINGS or d.endswith("s"):
        return None
    return d + "s"


def concept(out, cid, name, broader, aliases=(), inflections=(), extra=None):
    extra = extra or {}
    out.append(f"  - id: {cid}")
    out.append("    kind: place")
    out.append(f"    name: {q(name)}")
    if aliases:
        out.append(f"    aliases: {flow(aliases)}")
    if inflections:
        out.append(f"    inflections: {flow(inflections)}")
    if extra.get("acronyms"):
        out.append(f"    acronyms: {flow(extra['acronyms'])}")
    if extra.get("case"):
        out.append(f"    case: {extra['case']}")
    if extra.get("namesake"):
        out.append(f"    namesake: {extra['namesake']}")
    if extra.get("exclude"):
        out.append(f"    exclude: {flow(extra['exclude'])}")
    if extra.get("when"):
        out.append("    when:")
        for k, v in extra["when"].items():
            out.append(f"      {k}: {flow(v)}")
    out.append(f"    broader: {flow(broader)}")


def main():
    out = []
    seen_city = set()
    count = 0
    for row in ROWS.strip().splitlines():
        sl, name, aliases, demonyms, region, capitals, cities = row.split("|")
        count += 1
        aliases = [a for a in aliases.split(";") if a]
        infl = []
        for d in (x for x in demonyms.split(";") if x):
            infl.append(d)
            p = plural(d)
            if p and p not in infl:
                infl.append(p)
        extra = dict(EXTRA.get(sl, {}))
        if sl in PNG_ACRONYM:
            aliases = [a for a in aliases if a != PNG_ACRONYM[sl]]
            extra["acronyms"] = [PNG_ACRONYM[sl]]
        out.append(f"  # {name}")
        concept(out, f"place/{sl}", name, [f"region/{region}"], aliases, infl, extra)
        for group in (capitals, cities):
            names = [c for c in group.split(";") if c]
            if not names:
                continue
            # Alternative spellings follow the main name until the next
            # distinct city: "Kyiv;Kiev" is one city, "Sydney;Melbourne" two.
            for city_names in split_cities(names):
                csl = slug(city_names[0])
                if csl in seen_city:
                    sys.exit(f"duplicate city {csl}")
                seen_city.add(csl)
                concept(out, f"place/{csl}", city_names[0], [f"place/{sl}"], city_names[1:], (), CITY_EXTRA.get(csl))
    print(f"# Countries: the 193 UN member states and the 2 observer states ({count} rows),")
    print("# bootstrapped by bootstrap_countries.py; edit here from now on.")
    print("\n".join(out))
    assert count == 195, count


SPELLINGS = {
    "Astana": ["Nur-Sultan"], "Almaty": ["Alma-Ata"], "Yaoundé": ["Yaounde"], "N'Djamena": ["Ndjamena"],
    "São Tomé": ["Sao Tome"], "Lomé": ["Lome"], "Ulaanbaatar": ["Ulan Bator"], "Naypyidaw": ["Nay Pyi Taw", "Naypyitaw"],
    "Yangon": ["Rangoon"], "Ho Chi Minh City": ["Saigon"], "Chittagong": ["Chattogram"], "Mumbai": ["Bombay"],
    "Sanaa": ["Sana'a"], "Reykjavik": ["Reykjavík"], "Chisinau": ["Chișinău"], "Krakow": ["Kraków"],
    "Saint Petersburg": ["St Petersburg", "St. Petersburg"], "Bern": ["Berne"], "Zurich": ["Zürich"],
    "Kyiv": ["Kiev"], "Kharkiv": ["Kharkov"], "Odesa": ["Odessa"], "Washington, D.C.": ["Washington DC", "Washington D.C.", "Washington"],
    "New York City": ["New York"], "San José": ["San Jose"], "Brasília": ["Brasilia"],
    "São Paulo": ["Sao Paulo"], "Bogotá": ["Bogota"], "Medellín": ["Medellin"], "Asunción": ["Asuncion"],
    "South Tarawa": ["Tarawa"], "Nuku'alofa": ["Nukuʻalofa"],
}


def split_cities(names):
    groups = []
    for n in names:
        if groups and n in SPELLINGS.get(groups[-1][0], []):
            groups[-1].append(n)
        else:
            groups.append([n])
    return groups


if __name__ == "__main__":
    main()
