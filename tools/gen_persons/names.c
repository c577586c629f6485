/* The generator's name tables, written by hand from real spellings seen in registrations — not
 * made by transliteration code and not taken from the normaliser's tables (src/match), so that
 * the matcher is tested against spellings it was not built from. Each list is in order of
 * frequency: the generator draws rank r with a Zipf weight 1/r (docs/generator.md). */
#include "gen.h"

#define LIST(a) {(a), sizeof(a) / sizeof((a)[0])}
#define NO_LIST {NULL, 0}

/* --- Arabic script (Syria, Sudan, Iraq, Egypt, Yemen, Libya, Mauritania) ---------------- */

static const struct gp_name arabic_male[] = {
	{"محمد", {"Mohammed", "Muhammad", "Mohamed", "Mohamad", "Mohammad", "Muhammed"}},
	{"أحمد", {"Ahmed", "Ahmad", "Ahmet"}},
	{"علي", {"Ali", "Aly"}},
	{"عبدالله", {"Abdullah", "Abdallah", "Abdulla", "Abdalla"}},
	{"محمود", {"Mahmoud", "Mahmud", "Mahmood"}},
	{"عمر", {"Omar", "Umar", "Omer"}},
	{"حسن", {"Hassan", "Hasan"}},
	{"حسين", {"Hussein", "Hussain", "Husain", "Hossein"}},
	{"إبراهيم", {"Ibrahim", "Ebrahim", "Ibraheem"}},
	{"مصطفى", {"Mustafa", "Mostafa", "Moustafa"}},
	{"خالد", {"Khaled", "Khalid"}},
	{"يوسف", {"Youssef", "Yousef", "Yusuf", "Yousif"}},
	{"عبدالرحمن", {"Abdulrahman", "Abdelrahman", "Abdul Rahman", "Abderrahmane"}},
	{"آدم", {"Adam", "Adem"}},
	{"إسماعيل", {"Ismail", "Ismael", "Esmail"}},
	{"صالح", {"Saleh", "Salih"}},
	{"سعيد", {"Saeed", "Said", "Saied"}},
	{"عثمان", {"Osman", "Othman", "Uthman"}},
	{"يحيى", {"Yahya", "Yehia", "Yahia"}},
	{"أبو بكر", {"Abu Bakr", "Abubakar", "Abou Bakr", "Abubakr"}},
	{"جمال", {"Jamal", "Gamal"}},
	{"طارق", {"Tariq", "Tarek", "Tarik"}},
	{"أسامة", {"Osama", "Usama", "Oussama"}},
	{"حمزة", {"Hamza", "Hamzah"}},
	{"بلال", {"Bilal", "Belal"}},
};

static const struct gp_name arabic_female[] = {
	{"فاطمة", {"Fatima", "Fatma", "Fatimah", "Fatuma"}},
	{"آمنة", {"Amina", "Aminah", "Amna"}},
	{"خديجة", {"Khadija", "Khadijah", "Khadidja"}},
	{"عائشة", {"Aisha", "Aicha", "Aysha", "Ayesha"}},
	{"مريم", {"Mariam", "Maryam", "Meriem", "Mariem"}},
	{"زينب", {"Zainab", "Zaynab", "Zeinab"}},
	{"نور", {"Nour", "Noor", "Nur"}},
	{"سارة", {"Sara", "Sarah"}},
	{"حليمة", {"Halima", "Halimah"}},
	{"ليلى", {"Layla", "Leila", "Laila"}},
	{"هبة", {"Heba", "Hiba"}},
	{"رقية", {"Ruqaya", "Roqaya", "Rukia"}},
	{"أسماء", {"Asma", "Asmaa"}},
	{"سلمى", {"Salma", "Selma"}},
	{"ياسمين", {"Yasmin", "Yasmine", "Jasmin"}},
	{"هدى", {"Huda", "Hoda"}},
	{"رانيا", {"Rania", "Ranya"}},
	{"دعاء", {"Doaa", "Duaa", "Dua"}},
};

static const struct gp_name arabic_family[] = {
	{"الخطيب", {"al-Khatib", "Al Khatib", "Alkhatib", "El Khatib", "Khatib"}},
	{"المصري", {"al-Masri", "El Masry", "Elmasry", "Al Masri", "Masri"}},
	{"الأحمد", {"al-Ahmad", "Alahmad", "Al Ahmed"}},
	{"الحسن", {"al-Hassan", "Alhassan", "El Hassan"}},
	{"العلي", {"al-Ali", "Alali", "El Ali"}},
	{"الشامي", {"al-Shami", "Alshami", "El Shami", "Shami"}},
	{"حداد", {"Haddad", "Hadad"}},
	{"العمر", {"al-Omar", "Alomar", "Al Omar"}},
	{"النجار", {"al-Najjar", "Alnajjar", "El Naggar", "Najjar"}},
	{"منصور", {"Mansour", "Mansur", "Mansoor"}},
	{"سليمان", {"Suleiman", "Sulaiman", "Soliman", "Sleiman"}},
	{"الحلبي", {"al-Halabi", "Alhalabi", "Halabi"}},
	{"الجبوري", {"al-Jubouri", "Al Jubouri", "Aljubori", "al-Juburi"}},
	{"التميمي", {"al-Tamimi", "Altamimi", "Al Tamimi"}},
	{"درويش", {"Darwish", "Darweesh", "Derwich"}},
	{"قاسم", {"Kassem", "Qasim", "Kasim", "Qassem"}},
	{"الزين", {"al-Zein", "Elzein", "Al Zain", "Alzain"}},
	{"إدريس", {"Idris", "Idriss", "Edris"}},
	{"العبدالله", {"Al Abdullah", "al-Abdallah", "Alabdullah"}},
	{"حامد", {"Hamed", "Hamid"}},
};

static const struct gp_particle bin = {"بن", {"bin", "ibn"}};
static const struct gp_particle ould = {"ولد", {"ould", "wuld"}};

static const struct gp_nationality arabic_nat[] = {
	{"SY", 300000, GP_FATHER_FAMILY, 600000, 850000, NULL, "ar", "ku", 100000},
	{"SD", 250000, GP_PATRONYMIC, 800000, 0, NULL, "ar", NULL, 0},
	{"IQ", 150000, GP_FATHER_FAMILY, 600000, 700000, NULL, "ar", "ku", 150000},
	{"EG", 100000, GP_PATRONYMIC, 800000, 0, NULL, "ar", NULL, 0},
	{"YE", 70000, GP_FATHER_FAMILY, 800000, 600000, &bin, "ar", NULL, 0},
	{"LY", 50000, GP_FATHER_FAMILY, 600000, 800000, NULL, "ar", NULL, 0},
	{"MR", 80000, GP_FATHER_FAMILY, 1000000, 0, &ould, "ar", "mey", 500000},
};

/* --- Ge'ez script (Eritrea: Tigrinya; Ethiopia: Amharic, Tigrinya) ---------------------- */

static const struct gp_name geez_male[] = {
	{"ተስፋይ", {"Tesfay", "Tesfai", "Tesfaye"}},
	{"ሃብቶም", {"Habtom", "Habtum", "Haptom"}},
	{"ሰመረ", {"Semere", "Semre", "Samere"}},
	{"ዮናስ", {"Yonas", "Yonnas", "Jonas"}},
	{"ኣማኑኤል", {"Amanuel", "Emanuel", "Amaniel"}},
	{"ዳዊት", {"Dawit", "Dawitt", "Davit"}},
	{"ሚካኤል", {"Mikael", "Michael", "Mikiel"}},
	{"ሰሎሞን", {"Solomon", "Selomon", "Solomun"}},
	{"ብርሃነ", {"Berhane", "Birhane", "Brhane"}},
	{"ክብሮም", {"Kibrom", "Kbrom", "Kebrom"}},
	{"ኣብርሃም", {"Abraham", "Abrham", "Abreham"}},
	{"ሙሴ", {"Mussie", "Musie", "Muse"}},
	{"ፍስሃ", {"Fisseha", "Fiseha", "Fsaha"}},
	{"ተኽለ", {"Tekle", "Tekhle"}},
	{"ሄኖክ", {"Henok", "Henock", "Enok"}},
	{"ግርማይ", {"Girmay", "Ghirmay", "Germay"}},
	{"ሓጎስ", {"Hagos", "Haghos"}},
	{"ብንያም", {"Biniam", "Binyam", "Bniam"}},
	{"ኣሮን", {"Aron", "Aaron"}},
	{"ፊልሞን", {"Filmon", "Filimon", "Fillmon"}},
	{"ናትናኤል", {"Natnael", "Nathnael", "Natanael"}},
	{"ሳሙኤል", {"Samuel", "Semuel"}},
};

static const struct gp_name geez_female[] = {
	{"ሰላም", {"Selam", "Salam"}},
	{"ምሕረት", {"Mehret", "Mihret", "Meheret"}},
	{"ጸጋ", {"Tsega", "Tsegga", "Sega"}},
	{"ሳባ", {"Saba", "Sabba"}},
	{"ፍዮሪ", {"Fiyori", "Fiori", "Fyori"}},
	{"ሉዋም", {"Luwam", "Luam", "Lwam"}},
	{"ሃና", {"Hana", "Hanna"}},
	{"ዮርዳኖስ", {"Yordanos", "Jordanos"}},
	{"ሄለን", {"Helen", "Hellen"}},
	{"ትርሓስ", {"Tirhas", "Trhas", "Terhas"}},
	{"ብርኽቲ", {"Brikti", "Birikti", "Berikti"}},
	{"ሰናይት", {"Senait", "Senayt", "Sennait"}},
	{"ኣክበረት", {"Akberet", "Akbret", "Akberit"}},
	{"ዘውዲ", {"Zewdi", "Zawdi", "Zewdie"}},
	{"ፌቨን", {"Feven", "Feben", "Fiven"}},
	{"ሩት", {"Ruth", "Rut"}},
};

static const struct gp_nationality geez_nat[] = {
	{"ER", 700000, GP_PATRONYMIC, 800000, 0, NULL, "ti", "ar", 100000},
	{"ET", 300000, GP_PATRONYMIC, 800000, 0, NULL, "am", "ti", 300000},
};

/* --- Pashto and Dari in Arabic script (Afghanistan) ------------------------------------ */

static const struct gp_name afghan_male[] = {
	{"محمد", {"Mohammad", "Muhammad", "Mohammed", "Mohamad"}},
	{"احمد", {"Ahmad", "Ahmed"}},
	{"ګل", {"Gul", "Gol"}},
	{"زلمی", {"Zalmai", "Zalmay"}},
	{"نقیب الله", {"Naqibullah", "Naqibulla", "Naqeebullah", "Nakibullah"}},
	{"عبدالله", {"Abdullah", "Abdulla", "Abdollah"}},
	{"نجیب الله", {"Najibullah", "Najeebullah", "Najibulla"}},
	{"حمید", {"Hamid", "Hameed"}},
	{"شفیق", {"Shafiq", "Shafeeq", "Shafik"}},
	{"ولی", {"Wali", "Vali"}},
	{"عزیز", {"Aziz", "Azeez"}},
	{"ذبیح الله", {"Zabihullah", "Zabiullah", "Zabeehullah"}},
	{"رحمت الله", {"Rahmatullah", "Rahmatulla", "Rahmat Ullah"}},
	{"سید", {"Sayed", "Sayyed", "Syed", "Said"}},
	{"نور", {"Noor", "Nur"}},
	{"بصیر", {"Basir", "Baseer"}},
	{"فرید", {"Farid", "Fareed"}},
	{"میرویس", {"Mirwais", "Mirways", "Mir Wais"}},
	{"خالد", {"Khalid", "Khaled"}},
	{"جاوید", {"Jawid", "Javid", "Javed"}},
	{"مسعود", {"Masood", "Masoud", "Masud"}},
	{"وحید", {"Wahid", "Waheed", "Vahid"}},
};

static const struct gp_name afghan_female[] = {
	{"شبانه", {"Shabana", "Shabanah"}},
	{"مرسل", {"Mursal", "Morsal"}},
	{"ملالۍ", {"Malalai", "Malalay"}},
	{"ګلالۍ", {"Gulalai", "Gulalay"}},
	{"زرغونه", {"Zarghuna", "Zarghona", "Zarghoona"}},
	{"پلوشه", {"Palwasha", "Palwashah"}},
	{"فریبا", {"Fariba", "Fareeba"}},
	{"مریم", {"Maryam", "Mariam"}},
	{"فاطمه", {"Fatima", "Fatema", "Fatemah"}},
	{"زهره", {"Zahra", "Zohra", "Zuhra"}},
	{"نرګس", {"Nargis", "Narges"}},
	{"سیما", {"Sima", "Seema"}},
	{"لیلا", {"Laila", "Leila", "Lila"}},
	{"ناهید", {"Nahid", "Naheed"}},
	{"پروانه", {"Parwana", "Parvana"}},
	{"حمیرا", {"Humaira", "Homaira", "Humayra"}},
	{"شکیلا", {"Shakila", "Shakeela"}},
	{"ستاره", {"Setara", "Sitara"}},
};

static const struct gp_name afghan_family[] = {
	{"احمدزی", {"Ahmadzai", "Ahmadzay", "Ahmedzai"}},
	{"محمدی", {"Mohammadi", "Muhammadi", "Mohamadi"}},
	{"حیدری", {"Haidari", "Haideri", "Heydari"}},
	{"پوپلزی", {"Popalzai", "Popalzay", "Popolzai"}},
	{"رحیمی", {"Rahimi", "Raheemi"}},
	{"ستانکزی", {"Stanekzai", "Stanikzai", "Stanakzai"}},
	{"کریمی", {"Karimi", "Kareemi"}},
	{"نوری", {"Noori", "Nouri", "Nuri"}},
	{"صافی", {"Safi", "Saafi"}},
	{"وردګ", {"Wardak", "Wardag"}},
	{"هاشمی", {"Hashimi", "Hashemi"}},
	{"عزیزی", {"Azizi", "Azeezi"}},
	{"یوسفزی", {"Yousafzai", "Yusufzai", "Yousufzai"}},
	{"نیازی", {"Niazi", "Niyazi"}},
	{"امیری", {"Amiri", "Ameeri"}},
	{"سلطانی", {"Sultani", "Soltani"}},
};

static const struct gp_nationality afghan_nat[] = {
	{"AF", 1000000, GP_GIVEN_FAMILY, 0, 550000, NULL, "ps", "prs", 500000},
};

/* --- Somali: the Somali Latin orthography (x for ħ, c for ʿ) as the original --------------- */

static const struct gp_name somali_male[] = {
	{"Maxamed", {"Mohamed", "Mohammed", "Mahamed"}},
	{"Cabdiraxmaan", {"Abdirahman", "Abdurahman", "Abdulrahman"}},
	{"Axmed", {"Ahmed", "Ahmad"}},
	{"Cali", {"Ali", "Aly"}},
	{"Xasan", {"Hassan", "Hasan"}},
	{"Cabdullaahi", {"Abdullahi", "Abdillahi", "Abdulahi"}},
	{"Xuseen", {"Hussein", "Husein", "Hussain"}},
	{"Cumar", {"Omar", "Umar"}},
	{"Yuusuf", {"Yusuf", "Yousuf", "Yussuf"}},
	{"Ismaaciil", {"Ismail", "Ismael"}},
	{"Maxamuud", {"Mohamud", "Mohamoud", "Mahmoud"}},
	{"Ibraahim", {"Ibrahim", "Ebrahim"}},
	{"Faarax", {"Farah", "Faarah"}},
	{"Cismaan", {"Osman", "Usman"}},
	{"Aadan", {"Adan", "Aden", "Adam"}},
	{"Jaamac", {"Jama", "Jamaa"}},
	{"Warsame", {"Warsame", "Warsama"}},
	{"Cabdi", {"Abdi", "Abdy"}},
	{"Nuur", {"Nur", "Noor"}},
	{"Xirsi", {"Hirsi", "Hersi"}},
	{"Guuleed", {"Guled", "Guleid"}},
	{"Siciid", {"Said", "Saeed"}},
	{"Cabdiqani", {"Abdiqani", "Abdikani", "Abdighani"}},
};

static const struct gp_name somali_female[] = {
	{"Faadumo", {"Fadumo", "Fatuma", "Fatima"}},
	{"Hodan", {"Hodan"}},
	{"Khadiija", {"Khadija", "Hadija"}},
	{"Caasha", {"Asha", "Aisha"}},
	{"Xaliimo", {"Halimo", "Halima"}},
	{"Maryan", {"Maryan", "Mariam", "Maryam"}},
	{"Nimco", {"Nimo", "Nimco"}},
	{"Ifraax", {"Ifrah", "Ifraah"}},
	{"Hibaaq", {"Hibaq", "Hibak"}},
	{"Amiina", {"Amina", "Aminah"}},
	{"Ruqiya", {"Rukia", "Ruqiya", "Rukiya"}},
	{"Deeqa", {"Deqa", "Deeqa"}},
	{"Ubax", {"Ubah", "Ubax"}},
	{"Farhiyo", {"Farhiya", "Farhio"}},
	{"Sucaad", {"Suad", "Suaad"}},
	{"Ayaan", {"Ayan", "Ayaan"}},
};

static const struct gp_nationality somali_nat[] = {
	{"SO", 900000, GP_PATRONYMIC, 900000, 0, NULL, "so", "ar", 200000},
	{"KE", 50000, GP_PATRONYMIC, 900000, 0, NULL, "so", "sw", 500000},
	{"ET", 50000, GP_PATRONYMIC, 900000, 0, NULL, "so", "am", 200000},
};

/* --- Cyrillic (Ukraine, Russia, Belarus): the Ukrainian spelling as the original --------- */

static const struct gp_name cyrillic_male[] = {
	{"Олександр", {"Oleksandr", "Olexandr", "Aleksandr", "Alexander", "Oleksander"}},
	{"Іван", {"Ivan", "Iwan"}},
	{"Сергій", {"Serhii", "Serhiy", "Sergiy", "Sergii", "Sergey"}},
	{"Андрій", {"Andrii", "Andriy", "Andrey", "Andrij"}},
	{"Дмитро", {"Dmytro", "Dmitro", "Dmitry"}},
	{"Микола", {"Mykola", "Mikola", "Nikolay"}},
	{"Володимир", {"Volodymyr", "Volodimir", "Vladimir"}},
	{"Віктор", {"Viktor", "Victor"}},
	{"Олег", {"Oleh", "Oleg"}},
	{"Юрій", {"Yurii", "Yuriy", "Iurii", "Yuri"}},
	{"Максим", {"Maksym", "Maksim", "Maxim"}},
	{"Артем", {"Artem", "Artiom", "Artyom"}},
	{"Денис", {"Denys", "Denis"}},
	{"Павло", {"Pavlo", "Pavel"}},
	{"Богдан", {"Bohdan", "Bogdan"}},
	{"Євген", {"Yevhen", "Ievgen", "Evgen", "Yevgeniy"}},
	{"Василь", {"Vasyl", "Vasil", "Vasiliy"}},
	{"Ігор", {"Ihor", "Igor"}},
	{"Михайло", {"Mykhailo", "Mykhaylo", "Mikhail", "Mychajlo"}},
};

static const struct gp_name cyrillic_female[] = {
	{"Олена", {"Olena", "Elena"}},
	{"Наталія", {"Nataliia", "Natalia", "Nataliya", "Natalya"}},
	{"Ірина", {"Iryna", "Irina"}},
	{"Тетяна", {"Tetiana", "Tetyana", "Tatiana", "Tatyana"}},
	{"Оксана", {"Oksana", "Oxana"}},
	{"Світлана", {"Svitlana", "Svetlana"}},
	{"Юлія", {"Yuliia", "Yulia", "Iuliia", "Julia"}},
	{"Анна", {"Anna", "Hanna"}},
	{"Марія", {"Mariia", "Maria", "Mariya"}},
	{"Катерина", {"Kateryna", "Katerina", "Ekaterina"}},
	{"Людмила", {"Liudmyla", "Lyudmyla", "Ludmila"}},
	{"Вікторія", {"Viktoriia", "Viktoria", "Victoria"}},
	{"Ольга", {"Olha", "Olga"}},
	{"Галина", {"Halyna", "Galina"}},
	{"Валентина", {"Valentyna", "Valentina"}},
	{"Анастасія", {"Anastasiia", "Anastasia", "Anastasiya"}},
	{"Дарина", {"Daryna", "Darina"}},
	{"Софія", {"Sofiia", "Sofia", "Sophia"}},
};

static const struct gp_name cyrillic_family[] = {
	{"Шевченко", {"Shevchenko", "Shevtchenko", "Chevchenko"}},
	{"Коваленко", {"Kovalenko", "Kowalenko"}},
	{"Бондаренко", {"Bondarenko", "Bondarenco"}},
	{"Ткаченко", {"Tkachenko", "Tkatchenko"}},
	{"Кравченко", {"Kravchenko", "Kravtchenko"}},
	{"Коваль", {"Koval", "Kowal"}},
	{"Олійник", {"Oliinyk", "Oliynyk", "Oleynik"}},
	{"Мельник", {"Melnyk", "Melnik"}},
	{"Поліщук", {"Polishchuk", "Polishuk", "Polischuk"}},
	{"Бойко", {"Boiko", "Boyko"}},
	{"Ткачук", {"Tkachuk", "Tkatchuk"}},
	{"Савченко", {"Savchenko", "Savtchenko"}},
	{"Руденко", {"Rudenko", "Roudenko"}},
	{"Лисенко", {"Lysenko", "Lisenko"}},
	{"Марченко", {"Marchenko", "Martchenko"}},
	{"Петренко", {"Petrenko", "Petrenco"}},
	{"Мороз", {"Moroz", "Moros"}},
	{"Кравчук", {"Kravchuk", "Kravtchuk"}},
	{"Левченко", {"Levchenko", "Levtchenko"}},
	{"Гончаренко", {"Honcharenko", "Goncharenko"}},
};

static const struct gp_nationality cyrillic_nat[] = {
	{"UA", 850000, GP_GIVEN_FAMILY, 0, 1000000, NULL, "uk", "ru", 400000},
	{"RU", 100000, GP_GIVEN_FAMILY, 0, 1000000, NULL, "ru", NULL, 0},
	{"BY", 50000, GP_GIVEN_FAMILY, 0, 1000000, NULL, "be", "ru", 800000},
};

/* --- Latin script, West Africa (Guinea, Mali, Senegal, Gambia, Côte d'Ivoire, Sierra Leone)
 * and Nigeria: spellings differ by the colonial language and the registrar ----------------- */

static const struct gp_name sahel_male[] = {
	{NULL, {"Mamadou", "Mamadu", "Mamady"}},
	{NULL, {"Ibrahima", "Ibrahim", "Brahima"}},
	{NULL, {"Ousmane", "Usman", "Ousman", "Osmane"}},
	{NULL, {"Abdoulaye", "Abdulai", "Abdoulay"}},
	{NULL, {"Moussa", "Musa", "Mousa"}},
	{NULL, {"Amadou", "Ahmadou", "Amadu"}},
	{NULL, {"Aboubacar", "Abubakar", "Boubacar", "Aboubakar"}},
	{NULL, {"Sekou", "Sékou", "Seku"}},
	{NULL, {"Lamine", "Lamin", "Alamine"}},
	{NULL, {"Alpha", "Alfa"}},
	{NULL, {"Issa", "Isa"}},
	{NULL, {"Souleymane", "Suleiman", "Sulayman", "Soulemane"}},
	{NULL, {"Seydou", "Saidou", "Seidou"}},
	{NULL, {"Babacar", "Babakar"}},
	{NULL, {"Modou", "Modu", "Moudou"}},
	{NULL, {"Ebrima", "Ebrahima"}},
};

static const struct gp_name sahel_female[] = {
	{NULL, {"Fatoumata", "Fatumata", "Fatmata", "Fatumatta"}},
	{NULL, {"Aminata", "Aminatou", "Aminatta"}},
	{NULL, {"Mariama", "Mariame"}},
	{NULL, {"Kadiatou", "Kadijatou", "Hadiatou", "Kadiatu"}},
	{NULL, {"Aissatou", "Aïssatou", "Aisatu", "Aissata"}},
	{NULL, {"Hawa", "Awa"}},
	{NULL, {"Binta", "Bintou"}},
	{NULL, {"Oumou", "Umu"}},
	{NULL, {"Djenabou", "Jenabu", "Dienabou"}},
	{NULL, {"Ramatoulaye", "Ramatulai", "Ramatoulay"}},
	{NULL, {"Nafissatou", "Nafisatu", "Nafissa"}},
	{NULL, {"Adama", "Adame"}},
};

static const struct gp_name sahel_family[] = {
	{NULL, {"Diallo", "Jallow", "Jalloh", "Djalo"}},
	{NULL, {"Bah", "Ba"}},
	{NULL, {"Camara", "Kamara"}},
	{NULL, {"Traoré", "Traore"}},
	{NULL, {"Barry", "Bari"}},
	{NULL, {"Sow", "Sou"}},
	{NULL, {"Keita", "Keïta", "Kéita"}},
	{NULL, {"Touré", "Toure", "Ture"}},
	{NULL, {"Coulibaly", "Kulibali", "Kulubali"}},
	{NULL, {"Konaté", "Konate"}},
	{NULL, {"Sylla", "Silla"}},
	{NULL, {"Cissé", "Cisse", "Sisse"}},
	{NULL, {"Ndiaye", "N'Diaye", "Njie"}},
	{NULL, {"Diop", "Jobe"}},
	{NULL, {"Sesay", "Sisay"}},
};

static const struct gp_nationality sahel_nat[] = {
	{"GN", 300000, GP_GIVEN_FAMILY, 0, 950000, NULL, "ff", "fr", 500000},
	{"ML", 200000, GP_GIVEN_FAMILY, 0, 950000, NULL, "bm", "fr", 400000},
	{"SN", 150000, GP_GIVEN_FAMILY, 0, 950000, NULL, "wo", "fr", 500000},
	{"GM", 120000, GP_GIVEN_FAMILY, 0, 950000, NULL, "mnk", "en", 500000},
	{"CI", 130000, GP_GIVEN_FAMILY, 0, 950000, NULL, "fr", "dyu", 300000},
	{"SL", 100000, GP_GIVEN_FAMILY, 0, 950000, NULL, "en", "kri", 600000},
};

static const struct gp_name nigeria_male[] = {
	{NULL, {"Emmanuel", "Emanuel"}},
	{NULL, {"Godspower", "Godpower", "God's Power"}},
	{NULL, {"Osagie"}},
	{NULL, {"Chukwuemeka", "Chukwu-Emeka", "Emeka"}},
	{NULL, {"Ikechukwu", "Ike-Chukwu", "Ike"}},
	{NULL, {"Efosa"}},
	{NULL, {"Oluwaseun", "Seun"}},
	{NULL, {"Samuel"}},
	{NULL, {"Chinedu"}},
	{NULL, {"Osaro"}},
	{NULL, {"Daniel"}},
	{NULL, {"Uyiosa", "Uyi"}},
};

static const struct gp_name nigeria_female[] = {
	{NULL, {"Blessing"}},
	{NULL, {"Joy"}},
	{NULL, {"Precious"}},
	{NULL, {"Favour", "Favor"}},
	{NULL, {"Mercy"}},
	{NULL, {"Osas", "Osasu"}},
	{NULL, {"Gift"}},
	{NULL, {"Peace"}},
	{NULL, {"Faith"}},
	{NULL, {"Ngozi"}},
	{NULL, {"Chioma"}},
	{NULL, {"Adaeze", "Ada-Eze"}},
	{NULL, {"Oluwakemi", "Kemi"}},
	{NULL, {"Esohe"}},
};

static const struct gp_name nigeria_family[] = {
	{NULL, {"Okafor"}},
	{NULL, {"Osagie", "Osaghae"}},
	{NULL, {"Omoregie", "Omorogie"}},
	{NULL, {"Okonkwo"}},
	{NULL, {"Igbinedion"}},
	{NULL, {"Eze"}},
	{NULL, {"Adeyemi"}},
	{NULL, {"Nwachukwu", "Nwachuku"}},
	{NULL, {"Edosomwan"}},
	{NULL, {"Ogbonna"}},
	{NULL, {"Ehigiator"}},
	{NULL, {"Obi"}},
	{NULL, {"Okoro"}},
	{NULL, {"Uwaifo"}},
};

static const struct gp_nationality nigeria_nat[] = {
	{"NG", 1000000, GP_GIVEN_FAMILY, 0, 980000, NULL, "en", "bin", 500000},
};

#define NAT(a) (a), sizeof(a) / sizeof((a)[0])

const struct gp_source gp_sources[] = {
	{"arabic", 280000, "Arab", 150000, 450000, LIST(arabic_male), LIST(arabic_female),
	 LIST(arabic_family), NAT(arabic_nat)},
	{"geez", 150000, "Ethi", 150000, 450000, LIST(geez_male), LIST(geez_female), NO_LIST,
	 NAT(geez_nat)},
	{"afghan", 150000, "Arab", 150000, 450000, LIST(afghan_male), LIST(afghan_female),
	 LIST(afghan_family), NAT(afghan_nat)},
	{"somali", 100000, "Latn", 250000, 550000, LIST(somali_male), LIST(somali_female), NO_LIST,
	 NAT(somali_nat)},
	{"cyrillic", 120000, "Cyrl", 150000, 450000, LIST(cyrillic_male), LIST(cyrillic_female),
	 LIST(cyrillic_family), NAT(cyrillic_nat)},
	{"sahel", 120000, NULL, 0, 1000000, LIST(sahel_male), LIST(sahel_female),
	 LIST(sahel_family), NAT(sahel_nat)},
	{"nigeria", 80000, NULL, 0, 1000000, LIST(nigeria_male), LIST(nigeria_female),
	 LIST(nigeria_family), NAT(nigeria_nat)},
};

const size_t gp_n_sources = sizeof gp_sources / sizeof gp_sources[0];
