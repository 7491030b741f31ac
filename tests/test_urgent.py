"""Urgent help first: what fires and what does not, in every language family, and its rules.

The phrasings below were written as newcomers type them (typos, no diacritics, transliteration),
without copying the phrase lists in knowledge/urgent.yaml, so that they measure how well the rules
generalise. `python -m tests.test_urgent` prints precision, recall and time per message.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.assistant import Assistant, Brain
from bot.errors import KnowledgeError
from bot.matching import Decision, Matcher
from bot.render import PLAIN
from bot.urgent import Detector, detect, load_rules, parse_phrase
from bot.validation import load_knowledge
from tests.conftest import REAL_KB, WriteKB, entry_yaml

M, P, C, V, S, F, E, OC = (
    "medical", "poison", "child-fever", "violence", "suicide", "fire", "emergency", "on-call",
)  # fmt: skip

# (text, expected kind), per language family.
POSITIVE: dict[str, list[tuple[str, str]]] = {
    "germanic": [
        ("Mein Kind hat nachts hohes Fieber", C),
        ("Mein Mann schlägt mich", V),
        ("hilfe mein sohn hat spülmittel getrunken", P),
        ("meine tochter hat eine tablette von oma verschluckt was tun", P),
        ("mein vater ist bewustlos", M),
        ("meine Frau atmet nicht mehr", M),
        ("ich habe starke schmerzen in der brust", M),
        ("mein freund hat mich geschlagen und ich habe angst", V),
        ("ich will nicht mehr leben", S),
        ("ich denke an selbstmord", S),
        ("baby 3 monate fieber 39,5", C),
        ("Zahnschmerzen am Sonntag, wo ist ein Zahnarzt?", OC),
        ("jemand verfolgt mich seit dem bahnhof", V),
        ("mein nachbar bedroht mich mit einem messer", V),
        ("es brennt in der küche", F),
        ("Oma ist umgefallen und reagiert nicht", M),
        ("Krankenwagen bitte schnell", E),
        ("mein mann verprügelt mich jeden abend", V),
        ("kind hat waschmittel gegessen", P),
        ("er blutet sehr stark am kopf", M),
        ("Mein Mann hat gedroht mich umzubringen", V),
        ("my child swallowed cleaning liquid", P),
        ("my husband beats me", V),
        ("my baby has a fever of 40 and it is night", C),
        ("I want to kill myself", S),
        ("i dont want to live anymore", S),
        ("my dad collapsed and isnt breathing", M),
        ("severe chest pain left arm", M),
        ("toddler drank bleach", P),
        ("someone is following me home", V),
        ("toothache saturday night dentist?", OC),
        ("my boyfriend hit me", V),
        ("my wife is unconcious", M),
        ("son has very high temperature tonight", C),
        ("he is threatening to kill me", V),
        ("need an ambulance", E),
        ("my friend took too many pills", P),
        ("i think my mother is having a stroke, her face is drooping", M),
    ],
    "slavic": [
        ("у мене болить зуб, вихідні", OC),
        ("чоловік б'є мене", V),
        ("дитина випила засіб для миття посуду", P),
        ("у дитини температура 40 вночі", C),
        ("не хочу більше жити", S),
        ("мама знепритомніла", M),
        ("батько не дихає", M),
        ("хтось йде за мною від вокзалу", V),
        ("cholovik mene b'ye", V),
        ("ne hochu zhyty", S),
        ("сильний біль у грудях", M),
        ("пожежа в квартирі", F),
        ("у ребенка температура 40 ночью", C),
        ("муж меня бьет", V),
        ("ребенок проглотил батарейку", P),
        ("хочу покончить с собой", S),
        ("человек без сознания на улице", M),
        ("muzh menya b'et", V),
        ("rebenok proglotil tabletki", P),
        ("меня преследует бывший муж", V),
        ("сильное кровотечение не останавливается", M),
        ("вызовите скорую", E),
        ("болит зуб ночью что делать", OC),
        ("у малыша высокая температура", C),
        ("mój mąż mnie bije", V),
        ("dziecko połknęło baterię", P),
        ("nie chcę już żyć", S),
        ("tata nie oddycha", M),
        ("syn ma gorączkę 40 w nocy", C),
        ("boli mnie ząb a jest sobota", OC),
        ("ktoś mnie śledzi", V),
        ("silny ból w klatce piersiowej", M),
        ("wezwijcie karetkę", E),
        ("moj maz mnie bije", V),
    ],
    "arabic-script": [
        ("زوجي يضربني", V),
        ("ابني بلع دواء غسيل", P),
        ("بنتي حرارتها 40 بالليل", C),
        ("ما بدي عيش بعد اليوم", S),
        ("بدي انتحر", S),
        ("ابوي مغمى عليه", M),
        ("امي ما عم تتنفس", M),
        ("في حدا عم يلحقني", V),
        ("zawji bidrobni", V),
        ("ibni shereb klor", P),
        ("وجع قوي بصدري", M),
        ("حريق بالمطبخ", F),
        ("وجع ضرس يوم الجمعة", OC),
        ("بدي اسعاف", E),
        ("طفلي الرضيع عنده حرارة عالية", C),
        ("badi mout", S),
        ("شوهرم منو میزنه", V),
        ("بچم مایع ظرفشویی خورده", P),
        ("پسرم تب شدید داره امشب", C),
        ("میخوام خودکشی کنم", S),
        ("پدرم بیهوش شده", M),
        ("دیگه نمیخوام زنده باشم", S),
        ("shoharam mano mizane", V),
        ("درد قفسه سینه دارم", M),
        ("یکی داره تعقیبم میکنه", V),
        ("دندونم درد میکنه جمعه است", OC),
        ("آمبولانس لازم دارم", E),
    ],
    "romance": [
        ("sotul meu ma bate", V),
        ("copilul a inghitit detergent", P),
        ("fetita are febra 40 noaptea", C),
        ("nu mai vreau sa traiesc", S),
        ("vreau sa ma sinucid", S),
        ("tata e inconstient", M),
        ("mama nu respira", M),
        ("ma doare pieptul foarte tare", M),
        ("cineva ma urmareste pe strada", V),
        ("foc in apartament", F),
        ("chemati ambulanta", E),
        ("ma doare masea si e duminica", OC),
        ("bebelusul are temperatura mare", C),
        ("sângerează foarte tare", M),
        ("fostul partener mă amenință", V),
        ("copilul a băut clor", P),
        ("am un dinte care ma doare, e weekend", OC),
        ("cred ca are un AVC", M),
        ("soțul m-a bătut aseară", V),
        ("vreau sa mor", S),
        ("copilul a mancat pastile", P),
    ],
    "turkic": [
        ("kocam beni dövüyor", V),
        ("çocuğum çamaşır suyu içti", P),
        ("oğlumun ateşi 40 gece", C),
        ("yaşamak istemiyorum artık", S),
        ("intihar etmek istiyorum", S),
        ("babam bayıldı", M),
        ("annem nefes alamıyor", M),
        ("biri beni takip ediyor", V),
        ("evde yangın var", F),
        ("ambulans lazım", E),
        ("dişim çok ağrıyor hafta sonu", OC),
        ("göğsümde şiddetli ağrı var", M),
        ("bebeğimin ateşi çok yüksek", C),
        ("kocam beni öldürmekle tehdit ediyor", V),
        ("kızım ilaç yuttu", P),
        ("kanama durmuyor", M),
        ("kendimi öldürmek istiyorum", S),
        ("cocugum deterjan icti", P),
        ("esim beni dovuyor", V),
        ("dedem felç geçiriyor galiba", M),
        ("nöbetçi doktor lazım gece", OC),
    ],
    "vietnamese": [
        ("chồng tôi đánh tôi", V),
        ("con tôi uống nhầm nước tẩy", P),
        ("bé bị sốt cao lúc nửa đêm", C),
        ("tôi không muốn sống nữa", S),
        ("tôi muốn tự tử", S),
        ("bố tôi bất tỉnh", M),
        ("mẹ tôi không thở được", M),
        ("có người theo dõi tôi", V),
        ("nhà tôi bị cháy", F),
        ("gọi xe cấp cứu", E),
        ("đau răng quá mà hôm nay chủ nhật", OC),
        ("đau ngực dữ dội", M),
        ("con tôi sốt 40 độ", C),
        ("chong toi danh toi", V),
        ("con nuot pin", P),
        ("khong muon song nua", S),
        ("bị chồng đánh", V),
        ("chảy máu nhiều không cầm được", M),
        ("tôi bị đe dọa giết", V),
        ("ông tôi bị đột quỵ", M),
        ("em bé sốt cao", C),
    ],
}

NEGATIVE: dict[str, list[str]] = {
    "germanic": [
        "Notfallplan der Kita",
        "fever vaccine appointment",
        "Erste-Hilfe-Kurs für den Führerschein",
        "Gewaltschutz Beratung Öffnungszeiten",
        "Wo kann ich mein Kind für die Kita anmelden?",
        "Mein Mann sucht Arbeit beim Jobcenter",
        "Mein Mann schlägt vor, dass wir umziehen",
        "Brauche ich einen Termin beim Zahnarzt?",
        "Welche Impfungen braucht mein Kind für die Schule?",
        "Wo ist die Bibliothek?",
        "Wie lange dauert die Einbürgerung?",
        "Kinderarzt in Dessau gesucht",
        "Was mache ich mit altem Waschmittel im Müll?",
        "Mein Kind hatte letzte Woche Fieber, braucht die Kita ein Attest?",
        "I want to live in Dessau, how do I find a flat?",
        "how do I register my car",
        "where can I learn German",
        "my husband wants to join a language course",
        "emergency numbers list",
        "Is there a pharmacy open on Sunday?",
        "first aid course for driving licence",
        "blood donation Dessau",
        "Where can I buy a smoke detector battery",
        "The landlord threatens to evict me",
        "Mir droht die Abschiebung, was kann ich tun?",
        "Kindergeld beantragen",
        "my baby needs a passport",
        "Zahnarzt Termin nächste Woche",
        "Mein Mann schläft schlecht, welcher Arzt hilft?",
    ],
    "slavic": [
        "де записатися на курси німецької",
        "як отримати місце в дитячому садку",
        "запис до стоматолога на наступний тиждень",
        "години роботи консультації для жінок",
        "як оформити податковий номер",
        "чоловік шукає роботу",
        "де купити ліки від температури",
        "яка погода на вихідні",
        "где учить немецкий язык",
        "как записать ребенка в детский сад",
        "муж хочет пойти на курсы",
        "сколько стоит проезд в автобусе",
        "прививки для ребенка перед школой",
        "нужна справка от врача для работы",
        "где находится больница",
        "курсы первой помощи для водительских прав",
        "как получить вид на жительство",
        "gdzie zapisać dziecko do przedszkola",
        "jak zarejestrować samochód",
        "kurs pierwszej pomocy",
        "czerwona kartka na biotonne",
        "ile kosztuje bilet miesięczny",
        "dentysta na przyszły tydzień",
        "mój mąż szuka pracy",
    ],
    "arabic-script": [
        "كيف اسجل عنواني",
        "وين بتعلم الماني",
        "موعد عند طبيب الاسنان الاسبوع الجاي",
        "زوجي يبحث عن عمل",
        "كيف اطلب كيندرغيلد",
        "كورس اسعافات اولية",
        "تطعيم الاطفال قبل المدرسة",
        "وين مكتب الاجانب",
        "بدي عيش بدساو، كيف لاقي بيت",
        "شو في فعاليات بالويكند",
        "اريد دورة لغة",
        "چطور ثبت نام کنم",
        "شوهرم به من زنگ میزنه",
        "کلاس زبان آلمانی کجاست",
        "بیمه درمانی چیه",
        "وقت دندانپزشکی هفته بعد",
        "کیندرگارتن برای بچه",
        "تب و واکسن بچه",
        "مالیات چطور حساب میشه",
        "خشونت خانگی مشاوره ساعت کاری",
        "شوهرم دنبال کار میگرده",
    ],
    "romance": [
        "unde ma inregistrez in Dessau",
        "curs de prim ajutor pentru permis",
        "programare la dentist saptamana viitoare",
        "cat costa abonamentul de autobuz",
        "sotul meu cauta de lucru",
        "vaccin pentru copil la scoala",
        "vreau sa traiesc in Dessau, unde gasesc apartament",
        "ma bate gandul sa ma mut",
        "cum obtin alocatia pentru copii",
        "unde e biblioteca",
        "consiliere pentru tineri 12 27 ani",
        "vreau să vorbesc cu o persoană",
        "asigurare incendiu pentru apartament",
        "cum recunosc diploma",
        "program de lucru consiliere violenta domestica",
        "ce acte trebuie pentru gradinita",
        "medic de familie care vorbeste romana",
        "unde arunc bateriile vechi",
        "cursuri de germana gratuite",
        "cum fac anmeldung",
    ],
    "turkic": [
        "ikamet kaydı nasıl yapılır",
        "almanca kursu nerede",
        "yangın sigortası lazım mı",
        "ilk yardım kursu ehliyet için",
        "çocuğum için kreş yeri",
        "kocam iş arıyor",
        "dişçiden randevu almak istiyorum",
        "otobüs bileti ne kadar",
        "aşı randevusu çocuk için",
        "çocuk parası başvurusu",
        "ev sahibi beni tehdit ediyor kira için",
        "kütüphane nerede",
        "banka hesabı açmak",
        "hafta sonu etkinlikler",
        "diploma tanınması",
        "vergi numarası nedir",
        "kadınlar için danışmanlık saatleri",
        "eczane pazar günü açık mı",
        "kira sözleşmesi",
        "doktor randevusu nasıl alınır",
    ],
    "vietnamese": [
        "đăng ký cư trú ở đâu",
        "học tiếng Đức ở đâu",
        "khóa học sơ cứu để thi bằng lái",
        "lịch hẹn nha sĩ tuần sau",
        "chồng tôi đang tìm việc",
        "tiêm phòng cho con",
        "tiền con Kindergeld đăng ký thế nào",
        "đi từ từ thôi",
        "vé xe buýt bao nhiêu tiền",
        "thư viện mở cửa lúc mấy giờ",
        "mở tài khoản ngân hàng",
        "con tôi cần chỗ học mẫu giáo",
        "sự kiện cuối tuần này",
        "đánh răng cho bé thế nào",
        "công nhận bằng cấp",
        "mua thuốc hạ sốt ở đâu",
        "xin giấy phép cư trú",
        "bảo hiểm y tế là gì",
        "tư vấn bạo lực gia đình giờ mở cửa",
        "thuê nhà ở Dessau",
    ],
}

# Written after the rules were last changed and never tuned on: a second, honest measurement
# (36 of 39). The audit of issue 14 then asked for its three misses ("kocam bana vuruyor",
# "abzustechen", "ударил жену"), so the rules now know them: no longer held out for those.
HELD_OUT_POSITIVE: dict[str, list[tuple[str, str]]] = {
    "germanic": [
        ("meine kleine hat 40 grad fieber und es ist mitternacht", C),
        ("mein ex droht mir, mich abzustechen", V),
        ("Opa kriegt keine Luft mehr", M),
        ("ich kann nicht mehr, ich will sterben", S),
        ("help my kid ate rat poison", P),
        ("my partner choked me last night", V),
        ("he stopped breathing", M),
    ],
    "slavic": [
        ("чоловік побив мене і погрожує", V),
        ("дитина з'їла таблетки бабусі", P),
        ("мужик ударил жену, она в крови", V),
        ("отец упал и не дышит", M),
        ("у сына жар 39,8 ночью", C),
        ("mąż mnie uderzył", V),
        ("nie chce mi się żyć", S),
    ],
    "arabic-script": [
        ("جوزي ضربني امبارح", V),
        ("بدي موت خلص", S),
        ("الولد بلع حبوب كتير", P),
        ("نزيف قوي من راسه", M),
        ("دخترم تب داره ۴۰ درجه", C),
        ("یکی تهدیدم کرده که منو میکشه", V),
        ("مادرم نفس نمیکشه", M),
    ],
    "romance": [
        ("sotul m-a lovit cu pumnul", V),
        ("copilul meu a baut inalbitor", P),
        ("bunicul a lesinat si nu respira", M),
        ("ma gandesc sa ma sinucid", S),
        ("baietelul are febra 40 si e noapte", C),
        ("ma urmareste un barbat", V),
    ],
    "turkic": [
        ("kocam bana vuruyor", V),
        ("bebeğim pil yuttu", P),
        ("artık yaşamak istemiyorum", S),
        ("dedem bayıldı nefes almıyor", M),
        ("kızımın ateşi 40 gece yarısı", C),
        ("bir adam beni takip ediyor", V),
    ],
    "vietnamese": [
        ("chồng đánh em chảy máu", V),
        ("bé nuốt thuốc của bà", P),
        ("tôi muốn chết", S),
        ("ba tôi ngất xỉu", M),
        ("con sốt 40 độ lúc nửa đêm", C),
        ("có người đe dọa giết tôi", V),
    ],
}
HELD_OUT_NEGATIVE: dict[str, list[str]] = {
    "germanic": [
        "Wo bekomme ich einen Kurs für Erste Hilfe?",
        "Mein Mann möchte Deutsch lernen",
        "Gibt es Beratung bei häuslicher Gewalt? Wann offen?",
        "how do I get a fire extinguisher for my flat",
        "my child has a cold, which pediatrician speaks English",
        "Kita Notbetreuung in den Ferien",
        "what should I do if I lose my passport",
    ],
    "slavic": [
        "як записатися до лікаря",
        "курси першої допомоги в Дессау",
        "ребенку нужна прививка от кори",
        "муж работает в ночную смену",
        "gdzie jest urząd dla cudzoziemców",
        "ile kosztuje przedszkole",
        "как найти квартиру",
    ],
    "arabic-script": [
        "بدي موعد عند دكتور اطفال",
        "كيف بجدد الاقامة",
        "وين بقدر اتعلم سواقة",
        "برای بچه ام مهد کودک میخوام",
        "شوهرم میخواد آلمانی یاد بگیره",
        "دوره کمک های اولیه",
        "اوقات فراغت در دساو",
    ],
    "romance": [
        "unde gasesc un medic pediatru",
        "cum schimb permisul de conducere",
        "sotul meu vrea sa invete germana",
        "febra copilului dupa vaccin e normala?",
        "curs de prim ajutor",
        "evenimente in weekend",
    ],
    "turkic": [
        "çocuk doktoru randevusu",
        "oturma izni nasıl uzatılır",
        "kocam almanca öğrenmek istiyor",
        "ilk yardım kursu nerede",
        "hafta sonu ne var",
        "ateş düşürücü şurup nereden alınır",
    ],
    "vietnamese": [
        "khám bác sĩ nhi ở đâu",
        "gia hạn giấy phép cư trú",
        "chồng tôi muốn học tiếng Đức",
        "khóa học sơ cứu",
        "cuối tuần có sự kiện gì",
        "tiêm phòng cho bé",
    ],
}

# Written before the rules for Latin-letter writing and short-word typos were added (the audit
# of issue 14 found them missed), never tuned on: transliterated Ukrainian, Russian, Arabic
# (Arabizi) and Persian (Finglish), and German with typos in short words. Each family also has
# ordinary questions that share words with the urgent ones.
HELD_OUT_LATIN_POSITIVE: dict[str, list[tuple[str, str]]] = {
    "uk-latin": [
        ("u mene bolyt zub, vykhidni", OC),
        ("u mene duzhe bolyt zub a sohodni nedilia", OC),
        ("dytyna vypyla zasib dlia posudu", P),
        ("dytyna prokovtnula batareiku", P),
        ("u dytyny temperatura 40 vnochi", C),
        ("cholovik mene bye kozhen den", V),
        ("ne khochu bilshe zhyty", S),
        ("khochu pomerty", S),
        ("mama zneprytomnila", M),
        ("batko ne dykhaie", M),
        ("vyklychte shvydku", E),
        ("syn vypyv bagato tabletok", P),
    ],
    "ru-latin": [
        ("hochu umeret", S),
        ("ne hochu bolshe zhit", S),
        ("rebenok vypil hlorku", P),
        ("u rebenka temperatura 40 nochyu", C),
        ("u rebenka vysokaya temperatura", C),
        ("muzh menya bjet", V),
        ("muzh izbil menya", V),
        ("otec ne dyshit", M),
        ("mama poteryala soznanie", M),
        ("bolit zub a segodnya voskresenye", OC),
        ("vyzovite skoruyu", E),
        ("hochu pokonchit s soboy", S),
    ],
    "ar-latin": [
        ("ibni shireb klor", P),
        ("binti bal3et dawa", P),
        ("ibni akal 7bob ktir", P),
        ("badi ente7er", S),
        ("ana badi moot", S),
        ("gozi bied2rabni", V),
        ("jozi darabni", V),
        ("zawji yadrebni kol yom", V),
        ("ibni 7aranto 40 bil leil", C),
        ("binti 3anda 7arara 3alye", C),
        ("abi ma 3am yetnaffas", M),
        ("badi is3af", E),
        ("waja3 ders bil leil", OC),
    ],
    "fa-latin": [
        ("bachem samm khorde", P),
        ("pesaram ghors khorde ziad", P),
        ("nafas nemikeshe", M),
        ("babam bihoosh shode", M),
        ("mikham khodkoshi konam", S),
        ("dige nemikham zende basham", S),
        ("shoharam katakam mizane", V),
        ("hamsaram mano zad", V),
        ("bacham tab dare 40", C),
        ("dokhtaram tabesh kheili balast emshab", C),
        ("dandoonam dard mikone jome", OC),
        ("ye nafar dare tahdidam mikone", V),
    ],
    "de-typos": [
        ("Mein Kind hat nachts hohes Fiber", C),
        ("Mein Kind hat nachts hohes Fieba", C),
        ("mein kind hat hohes fiber", C),
        ("meine tochter hat hohes fiebr", C),
        ("mein sohn hat hoes fieber", C),
        ("meine frau atmed nicht", M),
        ("kind hat putzmitel getrunken", P),
        ("mein man verprügelt mich", V),
        ("zahnschmerzen am wochenend", OC),
        ("baby hat fiber 40", C),
    ],
}
HELD_OUT_LATIN_NEGATIVE: dict[str, list[str]] = {
    "uk-latin": [
        "de zapysatysia do stomatologa na nastupnyi tyzhden",
        "yak otrymaty mistse v dytiachomu sadku",
        "cholovik shukaie robotu",
        "kursy pershoi dopomohy",
        "de kupyty liky vid temperatury",
        "shcheplennia dlia dytyny",
        "yaka pohoda na vykhidni",
        "khochu zhyty v Dessau, de znaity kvartyru",
        "dytyna khoche v shkolu",
        "likar dlia dytyny shcho rozmovliaie ukrainskoiu",
    ],
    "ru-latin": [
        "gde uchit nemeckiy yazyk",
        "hochu zhit v Dessau",
        "muzh ishchet rabotu",
        "kursy pervoy pomoshchi",
        "privivka rebenku pered shkoloy",
        "gde kupit lekarstvo ot temperatury",
        "zapis k stomatologu na sleduyushchuyu nedelyu",
        "kak poluchit vid na zhitelstvo",
        "rebenok hochet v detskiy sad",
        "hochu umet govorit po nemecki",
    ],
    "ar-latin": [
        "badi mawed 3and doktor asnan",
        "badi et3allam almani",
        "jozi baddo shighl",
        "ibni baddo madrase",
        "kif b2dar sajjel 3enwani",
        "badi 3ish b dessau",
        "dawra is3afat awwaliye",
        "ta3im lal atfal",
        "wen el saydaliye bil leil",
        "zawji bido yet3allam almani",
    ],
    "fa-latin": [
        "chetor sabtenam konam",
        "kelas zaban almani koja ast",
        "shoharam donbale kar migarde",
        "bime chie",
        "vaght dandanpezeshki hafte bad",
        "bacham mahde koodak mikhad",
        "vaksan baraye bache",
        "shoharam behem zang mizane",
        "mikham zendegi konam dar dessau",
        "khodam mikham almani yad begiram",
    ],
    "de-typos": [
        "Kind hat Fieber gehabt, wann darf es wieder in die Kita",
        "fiber internet anschluss dessau",
        "Glasfaser Fiber Vertrag kündigen",
        "mein Kind hatte hohes Fieber, braucht die Kita ein Attest",
        "Mein Kind hat nachts Albträume, gibt es Beratung?",
        "hohes Gehalt finden in Dessau",
        "Feier am Wochenende für Kinder",
        "Kinder Fieber Impfung Termin",
        "fiber optic contract",
        "mein kind hat ein Fahrrad mit hohem Lenker",
        "Fieberthermometer kaufen wo",
    ],
}

# The examples of issue 14 must fire whatever the figures say.
ISSUE_EXAMPLES = [
    ("my child swallowed cleaning liquid", P),
    ("Mein Kind hat nachts hohes Fieber", C),
    ("у ребенка температура 40 ночью", C),
    ("у мене болить зуб, вихідні", OC),
    ("Mein Mann schlägt mich", V),
]
NOT_URGENT = [
    "Notfallplan der Kita",
    "fever vaccine appointment",
    "Erste-Hilfe-Kurs für den Führerschein",
    "Gewaltschutz Beratung Öffnungszeiten",  # help against violence: normal matching answers it
    "emergency numbers list",  # normal matching finds the emergency entry
]


def scores(family: str) -> tuple[float, float, float]:
    """Recall, kind accuracy among the found, and the share of negatives left alone."""
    positives = POSITIVE[family]
    found = [(detect(text), kind) for text, kind in positives]
    hits = [(u, kind) for u, kind in found if u is not None]
    recall = len(hits) / len(positives)
    kind_ok = sum(u.kind == kind for u, kind in hits) / max(len(hits), 1)
    quiet = sum(detect(text) is None for text in NEGATIVE[family]) / len(NEGATIVE[family])
    return recall, kind_ok, quiet


def test_every_family_has_twenty_phrasings_each_way() -> None:
    assert POSITIVE.keys() == NEGATIVE.keys()
    for family in POSITIVE:
        assert len(POSITIVE[family]) >= 20, family
        assert len(NEGATIVE[family]) >= 20, family


@pytest.mark.parametrize(("text", "kind"), ISSUE_EXAMPLES)
def test_the_issues_examples_are_urgent(text: str, kind: str) -> None:
    urgency = detect(text)
    assert urgency is not None and urgency.kind == kind, (text, urgency)


@pytest.mark.parametrize("text", NOT_URGENT)
def test_ordinary_questions_that_share_a_word_are_not(text: str) -> None:
    assert detect(text) is None, detect(text)


@pytest.mark.parametrize("family", sorted(POSITIVE))
def test_recall_and_precision_per_family(family: str) -> None:
    recall, kind_ok, quiet = scores(family)
    # Floors, not targets: the figures are in the report (python -m tests.test_urgent).
    assert recall >= 0.85, (family, recall, [t for t, _ in POSITIVE[family] if detect(t) is None])
    assert kind_ok >= 0.85, family
    assert quiet >= 0.9, (family, [t for t in NEGATIVE[family] if detect(t) is not None])


def test_held_out_phrasings() -> None:
    # A floor, with the figure in the report (39 of 39 since the audit, no false alarm).
    positives = [t for family in HELD_OUT_POSITIVE.values() for t, _ in family]
    negatives = [t for family in HELD_OUT_NEGATIVE.values() for t in family]
    assert sum(detect(t) is not None for t in positives) >= 0.85 * len(positives)
    assert [t for t in negatives if detect(t) is not None] == []


def test_held_out_latin_letters_and_short_word_typos() -> None:
    # Written before their rules and never tuned on (57 of 59 found, no false alarm): a floor
    # per family, and every family quiet on its ordinary questions.
    assert HELD_OUT_LATIN_POSITIVE.keys() == HELD_OUT_LATIN_NEGATIVE.keys()
    for family, positives in HELD_OUT_LATIN_POSITIVE.items():
        negatives = HELD_OUT_LATIN_NEGATIVE[family]
        assert len(positives) >= 10 and len(negatives) >= 10, family
        found = [(text, kind, detect(text)) for text, kind in positives]
        right = sum(u is not None and u.kind == kind for _, kind, u in found)
        assert right >= 0.75 * len(positives), (family, [t for t, k, u in found if u is None])
        assert [t for t in negatives if detect(t) is not None] == [], family


# The audit's messages (issue 14: transliterated writing and typos) must fire whatever the
# figures say, and be answered in the language they are written in.
AUDIT_EXAMPLES = [
    ("Mein Kind hat nachts hohes Fiber", C, "de"),
    ("Mein Kind hat nachts hohes Fieba", C, "de"),
    ("mein kind hat hohes fiber", C, "de"),
    ("u mene bolyt zub, vykhidni", OC, "uk"),
    ("hochu umeret", S, "ru"),
    ("ibni shireb klor", P, "ar"),
    ("badi ente7er", S, "ar"),
    ("gozi bied2rabni", V, "ar"),
    ("jozi bidrobni", V, "ar"),
    ("bachem samm khorde", P, "fa"),
    ("nafas nemikeshe", M, "fa"),
    ("kocam bana vuruyor", V, "tr"),
]


@pytest.mark.parametrize(("text", "kind", "lang"), AUDIT_EXAMPLES)
def test_the_audits_messages_are_urgent_in_their_language(
    real_brain: Brain, text: str, kind: str, lang: str
) -> None:
    urgency = detect(text)
    assert urgency is not None and urgency.kind == kind, (text, urgency)
    assert lang in urgency.langs
    decision = real_brain.matcher.match(text)
    assert decision.reason == "emergency" and decision.lang == lang, decision


def test_a_known_language_wins_over_the_phrases(real_brain: Brain) -> None:
    # The phrase's language only replaces a guess from letters when nothing else is known.
    assert real_brain.matcher.match("jozi bidrobni", lang="uk").lang == "uk"
    # A phrase shared by two languages ("partner ... bije" is Polish and Ukrainian in Latin
    # letters) keeps the language detected from the whole message when it is one of them.
    urgency = detect("Partner mnie bije, co mam robić?")
    assert urgency is not None and {"pl", "uk"} <= set(urgency.langs)
    assert real_brain.matcher.match("Partner mnie bije, co mam robić?").lang == "pl"


def test_entries_in_preference_order() -> None:
    assert detect("Mein Mann schlägt mich").entries == ("domestic-violence", "emergency")  # type: ignore[union-attr]
    assert detect("I want to kill myself").entries == ("mental-health", "emergency")  # type: ignore[union-attr]
    assert detect("my wife is unconscious").entries == ("emergency",)  # type: ignore[union-attr]


# ------------------------------------------------------------------- through the matcher


@pytest.mark.parametrize(("text", "kind"), ISSUE_EXAMPLES)
def test_the_matcher_answers_urgent_messages_first_with_an_existing_entry(
    real_brain: Brain, text: str, kind: str
) -> None:
    decision = real_brain.matcher.match(text)
    assert decision.decision == "answer" and decision.reason == "emergency", decision
    assert decision.score == 1.0 and decision.candidates[0] == decision.entry
    assert all(c in real_brain.kb.entries for c in decision.candidates)
    urgency = detect(text)
    assert urgency is not None
    assert decision.entry == next(e for e in urgency.entries if e in real_brain.kb.entries)


NUMBERS = ["112", "110", "116117", "0361", "116016", "0800", "116123", "116111"]


def _digits(text: str) -> str:
    return re.sub(r"[\s\-\u2066\u2069]", "", text)


@pytest.mark.parametrize("lang", ["de", "en", "uk", "ru", "ar", "fa", "tr", "ro", "pl", "vi"])
def test_the_emergency_answer_starts_with_every_number(
    real_assistant: Assistant, lang: str
) -> None:
    text = real_assistant.kb.entries["emergency"].texts[lang].answer
    head = _digits(text[:700])
    for number in NUMBERS:
        assert number in head, (lang, number)
    assert text.lstrip().startswith(("112", "-", "•", "☎")) or "112" in text.splitlines()[1]
    first = real_assistant.render("emergency", lang, PLAIN)
    assert len(first) <= 700 and all(number in _digits(first) for number in NUMBERS), first
    assert real_assistant.has_details("emergency", lang)
    assert "Klinikum" in real_assistant.render("emergency", lang, PLAIN, part="details")


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_numbers_stay_left_to_right_in_arabic_and_persian(
    real_assistant: Assistant, lang: str
) -> None:
    # Digits separated by spaces are reordered by the bidi algorithm in right-to-left text
    # ("0800 111 0 111" shows as "111 0 111 0800"); hyphens join them into one number.
    text = real_assistant.kb.entries["emergency"].texts[lang]
    for part in (text.answer, text.details or ""):
        assert not re.search(r"\d\s+\d", part), re.findall(r"\d[\d ]*\s\d+", part)
    for line in text.answer.splitlines():
        if re.search(r"\d{3}", line):
            assert re.match(r"^\s*[-•]?\s*\d", line), line  # each number starts its line


def test_a_message_is_urgent_before_it_names_an_event_or_asks_for_a_person(
    real_brain: Brain,
) -> None:
    match = real_brain.matcher.match
    assert match("ich will mit einem menschen reden, mein mann schlägt mich").reason == "emergency"
    assert match("Stadtfest: mein Kind hat Tabletten verschluckt").reason == "emergency"


async def test_the_console_shows_the_numbers_at_once_and_forwards_nothing(
    real_assistant: Assistant,
) -> None:
    from bot.console import Console

    forwarded: list[str] = []

    async def escalate(question: str, lang: str, decision: Decision) -> int:
        forwarded.append(question)
        return 1

    lines = iter(["Mein Mann schlägt mich", "my child swallowed cleaning liquid"])
    output: list[str] = []

    async def read(prompt: str) -> str | None:
        return next(lines, None)

    await Console(real_assistant, read=read, write=output.append, escalate=escalate).run()
    text = "\n".join(output)
    assert "116 016" in text and "0361 730 730" in text and "112" in text
    assert forwarded == []


# --------------------------------------------------------------------- rules as data


def test_curators_rules_are_checked_with_file_and_line(write_kb: WriteKB) -> None:
    rules = """
    urgent:
      - id: broken
        kind: Medical Thing
        entries: [nowhere]
        phrases:
          de:
            - "v*erschluckt"
            - "ab*"
          xx: [etwas]
        colour: red
    """
    entries = "entries:\n" + entry_yaml("emergency", ["Notruf"], category="health")
    directory = write_kb({"urgent.yaml": rules, "entries/e.yaml": entries})
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    report = info.value.report()
    assert "urgent.yaml:2: urgent.broken.kind: use a-z" not in report  # kind is on line 3
    assert "urgent.yaml:3: urgent.broken.kind" in report
    assert "urgent.yaml:7: urgent.broken.phrases.de[0]: '*' only at the end" in report
    assert "urgent.yaml:8: urgent.broken.phrases.de[1]: a word beginning needs 3 letters" in report
    assert "urgent.broken.phrases.xx: unknown language code" in report
    assert "urgent.broken.colour: unknown key" in report


def test_a_rule_needs_an_entry_that_exists(write_kb: WriteKB) -> None:
    rules = """
    urgent:
      - id: lonely
        kind: medical
        entries: [nowhere, nothing]
        phrases: {de: [bewusstlos]}
    """
    entries = "entries:\n" + entry_yaml("emergency", ["Notruf"], category="health")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(write_kb({"urgent.yaml": rules, "entries/e.yaml": entries}))
    assert "urgent.yaml:2: urgent.lonely.entries: none of nowhere, nothing" in info.value.report()


def test_a_knowledge_base_with_its_own_rules_uses_them(write_kb: WriteKB) -> None:
    rules = """
    urgent:
      - id: flood
        kind: flood
        entries: [emergency]
        phrases: {de: [keller_unter_wasser], en: [basement flooded|flooding]}
        except: {en: [insurance]}
    """
    entries = "entries:\n" + entry_yaml("emergency", ["Notruf"], category="health")
    matcher = Matcher(load_knowledge(write_kb({"urgent.yaml": rules, "entries/e.yaml": entries})))
    assert matcher.match("Hilfe, der Keller unter Wasser!").reason == "emergency"
    assert matcher.match("the basement is flooding").entry == "emergency"
    assert matcher.match("basement flooded, insurance?").reason != "emergency"
    # Only its own rules: the project's are not mixed in.
    assert matcher.match("Mein Mann schlägt mich").reason != "emergency"


def test_phrase_syntax() -> None:
    slots, error = parse_phrase("kind|baby verschluck* xe_cứu_thương")
    assert error is None
    assert slots == (
        ((("kind", False),), (("baby", False),)),
        ((("verschluck", True),),),
        ((("xe", False), ("cu", False), ("thuong", False)),),  # doubled letters fold
    )
    assert parse_phrase("  ")[1] == "empty phrase"
    assert parse_phrase("!!!")[1] is not None


def test_typos_only_on_long_words_and_never_on_listed_real_words(tmp_path: Path) -> None:
    path = tmp_path / "urgent.yaml"
    path.write_text(
        "urgent:\n  - id: t\n    kind: violence\n    entries: [emergency]\n"
        "    not_typos: [schläft]\n"
        "    phrases: {de: [mann schlägt, bewusstlos, kind verschluck*, hitze]}\n",
        encoding="utf-8",
    )
    rules, problems = load_rules(path)
    assert not problems
    detector = Detector(rules)
    assert detector.detect("mein mann schlaegt mich")  # ae for ä
    assert detector.detect("mein mann schlägtt mich")  # one typo, seven letters
    assert detector.detect("er ist bewusslos")  # one typo
    assert detector.detect("kind hat etwas verschlukt")  # typo inside a word beginning
    assert detector.detect("mein mann schläft") is None  # a real word, listed
    assert detector.detect("hitzu") is None  # five letters: no changed letter allowed
    assert detector.detect("") is None and detector.detect("!!!") is None


def test_short_words_forgive_a_missing_extra_or_swapped_letter(tmp_path: Path) -> None:
    path = tmp_path / "urgent.yaml"
    path.write_text(
        "urgent:\n  - id: t\n    kind: child-fever\n    entries: [emergency]\n"
        "    not_typos: [fiebes]\n"
        "    phrases: {de: [kind fieber, hitze]}\n",
        encoding="utf-8",
    )
    detector = Detector(load_rules(path)[0])
    for typo in ("fiber", "fiebr", "fiebber", "feiber", "fieberr"):
        assert detector.detect(f"kind hat {typo}"), typo
    assert detector.detect("hitzee") and detector.detect("hize") is None  # four letters: none
    assert detector.detect("kind hat fiebes") is None  # listed as a real word
    assert detector.detect("kind hat fiebar") is None  # a changed letter in a short word
    assert detector.detect("kind hat ieber") is None  # never the first letter


def test_words_far_apart_do_not_make_a_phrase(tmp_path: Path) -> None:
    path = tmp_path / "urgent.yaml"
    path.write_text(
        "urgent:\n  - id: t\n    kind: medical\n    entries: [emergency]\n"
        "    phrases: {de: [kind fieber]}\n",
        encoding="utf-8",
    )
    detector = Detector(load_rules(path)[0])
    assert detector.detect("mein kind hat seit gestern abend sehr hohes fieber")
    far = "Mein Kind " + "und dann haben wir lange über die Wohnung geredet " * 2 + "Fieber"
    assert detector.detect(far) is None


def test_the_shipped_rules_are_clean_and_cover_every_language() -> None:
    rules, problems = load_rules(REAL_KB / "urgent.yaml")
    assert not problems
    kinds = {rule.kind for rule in rules}
    assert {M, P, C, V, S, OC} <= kinds
    for rule in rules:
        assert rule.entries[-1] == "emergency" or "emergency" in rule.entries, rule.id
        langs = {p.lang for p in rule.phrases}
        assert langs == {"de", "en", "uk", "ru", "ar", "fa", "tr", "ro", "pl", "vi"}, (
            rule.id,
            langs,
        )


def test_detect_is_cheap(real_brain: Brain) -> None:
    texts = [t for family in POSITIVE.values() for t, _ in family]
    texts += [t for family in NEGATIVE.values() for t in family]
    detector = real_brain.matcher.urgent
    start = time.perf_counter()
    for text in texts:
        detector.detect(text)
    per_message = (time.perf_counter() - start) / len(texts)
    assert per_message < 0.005  # cold caches included; warm it is tens of microseconds


def test_urgent_decision_is_the_contract(real_brain: Brain) -> None:
    decision = real_brain.matcher.match("my wife is unconscious", lang="en")
    assert decision == Decision("answer", "emergency", ("emergency",), 1.0, "en", "emergency")


def main() -> None:  # pragma: no cover - a report for people
    total_p = total_n = found_p = quiet_n = 0
    print(f"{'family':14} {'recall':>8} {'kind ok':>8} {'quiet':>8}   (positives / negatives)")
    for family in POSITIVE:
        recall, kind_ok, quiet = scores(family)
        p, n = len(POSITIVE[family]), len(NEGATIVE[family])
        total_p, total_n = total_p + p, total_n + n
        found_p += round(recall * p)
        quiet_n += round(quiet * n)
        print(f"{family:14} {recall:8.1%} {kind_ok:8.1%} {quiet:8.1%}   ({p} / {n})")
        for text, kind in POSITIVE[family]:
            u = detect(text)
            if u is None or u.kind != kind:
                print(f"   missed/kind: {text!r} expected {kind}, got {u and u.kind}")
        for text in NEGATIVE[family]:
            u = detect(text)
            if u is not None:
                print(f"   false alarm: {text!r} -> {u.kind} via {u.phrase!r}")
    held_p = [(t, k) for fam in HELD_OUT_POSITIVE.values() for t, k in fam]
    held_n = [t for fam in HELD_OUT_NEGATIVE.values() for t in fam]
    held_found = [(t, k, detect(t)) for t, k in held_p]
    held_alarms = [(t, detect(t)) for t in held_n if detect(t) is not None]
    print(f"held out: recall {sum(u is not None for *_, u in held_found)}/{len(held_p)}, "
          f"right kind {sum(u is not None and u.kind == k for _, k, u in held_found)}, "
          f"false alarms {len(held_alarms)}/{len(held_n)}")  # fmt: skip
    for text, kind, u in held_found:
        if u is None or u.kind != kind:
            print(f"   held out missed/kind: {text!r} expected {kind}, got {u and u.kind}")
    for text, u in held_alarms:
        print(f"   held out false alarm: {text!r} -> {u and u.kind}")
    for family, positives in HELD_OUT_LATIN_POSITIVE.items():
        found = [(t, k, detect(t)) for t, k in positives]
        alarms = [(t, detect(t)) for t in HELD_OUT_LATIN_NEGATIVE[family] if detect(t)]
        quiet_total = len(HELD_OUT_LATIN_NEGATIVE[family])
        print(f"held out {family}: recall {sum(u is not None for *_, u in found)}/"
              f"{len(found)}, false alarms {len(alarms)}/{quiet_total}")  # fmt: skip
        for text, kind, u in found:
            if u is None or u.kind != kind:
                print(f"   held out missed/kind: {text!r} expected {kind}, got {u and u.kind}")
        for text, u in alarms:
            print(f"   held out false alarm: {text!r} -> {u and u.kind}")
    false_alarms = total_n - quiet_n
    precision = found_p / (found_p + false_alarms)
    print(f"all: recall {found_p}/{total_p} = {found_p / total_p:.1%}, "
          f"false alarms {false_alarms}/{total_n}, precision {precision:.1%}")  # fmt: skip
    texts = [t for fam in POSITIVE.values() for t, _ in fam] + [
        t for fam in NEGATIVE.values() for t in fam
    ]
    from bot.urgent import default_detector

    detector = default_detector()
    start = time.perf_counter()
    for text in texts:
        detector.detect(text)
    cold = (time.perf_counter() - start) / len(texts)
    start = time.perf_counter()
    for _ in range(20):
        for text in texts:
            detector.detect(text)
    warm = (time.perf_counter() - start) / (20 * len(texts))
    print(f"time per detect: cold {cold * 1e6:.0f} µs, warm {warm * 1e6:.0f} µs")


if __name__ == "__main__":  # pragma: no cover
    main()
