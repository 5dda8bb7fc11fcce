// XLSForm import (.xlsx -> Engage JSON -> the kiosk's own loader). See docs/survey-format.md, "XLSForm".
// The workbook: libzip (sizes checked before any read, kMaxXlsxBytes in all), libxml2's streaming reader
// (no network, no entity expansion, a DTD refused). Sheets are found through xl/workbook.xml and its rels.
#include "engage/xlsform.h"

#include <libxml/xmlreader.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

namespace engage {
namespace {

using ojson = nlohmann::ordered_json;
constexpr int kMaxColumns = 16384;   // XFD, the last column Excel has
constexpr int kMaxRowNumber = 1048576;
constexpr std::size_t kMaxSharedStrings = 1000000;
constexpr std::size_t kMaxCells = 500000;  // filled cells on one sheet (a 200-question form has a few thousand)

struct Fail {
    std::string where, what;
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
std::string trim(std::string_view s) {
    const auto a = s.find_first_not_of(" \t\r\n");
    if (a == std::string_view::npos) return "";
    const auto b = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(a, b - a + 1));
}

// ---- the zip --------------------------------------------------------------------------------------------
class Zip {
public:
    explicit Zip(std::string_view bytes) {
        zip_error_t err;
        zip_error_init(&err);
        zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
        if (src) {
            z_ = zip_open_from_source(src, ZIP_RDONLY, &err);
            if (!z_) zip_source_free(src);
        }
        if (!z_) why_ = zip_error_strerror(&err);
        zip_error_fini(&err);
    }
    ~Zip() {
        if (z_) zip_discard(z_);
    }
    Zip(const Zip&) = delete;
    Zip& operator=(const Zip&) = delete;
    bool ok() const { return z_ != nullptr; }
    const std::string& why() const { return why_; }
    bool empty() const { return !z_ || zip_get_num_entries(z_, 0) <= 0; }
    bool has(const std::string& name) const { return z_ && zip_name_locate(z_, name.c_str(), 0) >= 0; }

    // The entry's bytes; throws Fail when missing, too large (in all) or unreadable.
    std::string read(const std::string& name) {
        const zip_int64_t i = zip_name_locate(z_, name.c_str(), 0);
        if (i < 0) throw Fail{"(file)", "the workbook has no " + name + " (is it an .xlsx saved by a spreadsheet?)"};
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(z_, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
            throw Fail{"(file)", name + " in the workbook cannot be read"};
        if (st.size > kMaxXlsxBytes - used_)
            throw Fail{"(file)", "the workbook unpacks to more than " + std::to_string(kMaxXlsxBytes >> 20) +
                                     " MiB (" + name + " alone is " + std::to_string(st.size >> 20) +
                                     " MiB); a survey is far smaller, so it is refused"};
        zip_file_t* f = zip_fopen_index(z_, static_cast<zip_uint64_t>(i), 0);
        if (!f) throw Fail{"(file)", name + " in the workbook cannot be opened: " + zip_strerror(z_)};
        std::string out(static_cast<std::size_t>(st.size), '\0');
        const zip_int64_t n = out.empty() ? 0 : zip_fread(f, out.data(), out.size());
        const bool bad = n < 0 || static_cast<zip_uint64_t>(n) != st.size;
        zip_fclose(f);
        if (bad) throw Fail{"(file)", name + " in the workbook is damaged (it does not unpack to its stated size)"};
        used_ += out.size();
        return out;
    }

private:
    zip_t* z_ = nullptr;
    std::string why_;
    std::size_t used_ = 0;
};

// ---- XML: libxml2's reader over one entry -------------------------------------------------------------
class Xml {
public:
    // Keeps `text`: the reader parses it as it goes.
    Xml(std::string text, std::string name) : text_(std::move(text)), name_(std::move(name)) {
        r_ = xmlReaderForMemory(text_.data(), static_cast<int>(text_.size()), name_.c_str(), nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!r_) throw Fail{"(file)", name_ + " in the workbook cannot be read as XML"};
    }
    ~Xml() { xmlFreeTextReader(r_); }
    Xml(const Xml&) = delete;
    Xml& operator=(const Xml&) = delete;

    // The next node; false at the end. Throws on broken XML or a DTD.
    bool next() {
        const int rc = xmlTextReaderRead(r_);
        if (rc < 0) throw Fail{"(file)", name_ + " in the workbook is not well-formed XML"};
        if (rc == 0) return false;
        if (xmlTextReaderNodeType(r_) == XML_READER_TYPE_DOCUMENT_TYPE)
            throw Fail{"(file)", name_ + " in the workbook has a DTD (<!DOCTYPE>); a spreadsheet never does, refused"};
        return true;
    }
    bool start(const char* local) const {
        return xmlTextReaderNodeType(r_) == XML_READER_TYPE_ELEMENT && name() == local;
    }
    bool end(const char* local) const {
        return xmlTextReaderNodeType(r_) == XML_READER_TYPE_END_ELEMENT && name() == local;
    }
    bool empty_element() const { return xmlTextReaderIsEmptyElement(r_) == 1; }
    std::string name() const {
        const xmlChar* n = xmlTextReaderConstLocalName(r_);
        return n ? reinterpret_cast<const char*>(n) : "";
    }
    bool is_text() const {
        const int t = xmlTextReaderNodeType(r_);
        return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
               t == XML_READER_TYPE_CDATA || t == XML_READER_TYPE_WHITESPACE;
    }
    std::string value() const {
        const xmlChar* v = xmlTextReaderConstValue(r_);
        return v ? reinterpret_cast<const char*>(v) : "";
    }
    std::string attr(const char* name, const char* ns = nullptr) const {
        xmlChar* v = ns ? xmlTextReaderGetAttributeNs(r_, BAD_CAST name, BAD_CAST ns)
                        : xmlTextReaderGetAttribute(r_, BAD_CAST name);
        if (!v) return "";
        std::string out(reinterpret_cast<const char*>(v));
        xmlFree(v);
        return out;
    }
    // The text inside the current element, up to its end (for <t>, <v>, <f>).
    std::string text_until_end(const char* local) {
        std::string out;
        if (empty_element()) return out;
        while (next() && !end(local))
            if (is_text() && out.size() < 2 * kMaxSurveyStringBytes) out += value();
        return out;
    }

private:
    std::string text_;
    xmlTextReaderPtr r_ = nullptr;
    std::string name_;
};

constexpr const char* kRelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

// "A1" -> column 0; "AB7" -> 27. -1 when not a cell reference.
int column_of(std::string_view ref) {
    int col = 0;
    std::size_t i = 0;
    for (; i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i])); ++i) {
        col = col * 26 + (std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
        if (col > kMaxColumns) return -1;
    }
    return i == 0 ? -1 : col - 1;
}
std::string column_name(int col) {
    std::string s;
    for (int c = col + 1; c > 0; c = (c - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (c - 1) % 26));
    return s;
}

struct Cell {
    enum Kind { Text, Formula, Date, Error } kind = Text;
    std::string text;
};
struct SheetRow {
    int number = 0;                  // 1-based, as the spreadsheet shows it
    std::map<int, Cell> cells;       // column -> cell (non-empty only)
};
struct Sheet {
    std::string name;
    std::vector<SheetRow> rows;      // non-empty rows in order
};

std::string number_text(const std::string& v) {
    // "5" stays "5"; "5.0" (how some writers store whole numbers) becomes "5"; other numbers stay as written.
    double d = 0;
    const auto* b = v.data();
    if (std::from_chars(b, b + v.size(), d).ptr != b + v.size() || !std::isfinite(d)) return v;
    if (d == std::floor(d) && std::fabs(d) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", d);
        return buf;
    }
    return v;
}

class Workbook {
public:
    explicit Workbook(std::string_view bytes) : zip_(bytes) {
        if (!zip_.ok()) throw Fail{"(file)", "not an .xlsx workbook (not a readable zip file: " + zip_.why() + ")"};
        if (zip_.empty()) throw Fail{"(file)", "not an .xlsx workbook (the zip file is empty)"};
        read_workbook();
    }

    // Sheet names as in the workbook, in order.
    const std::vector<std::string>& names() const { return names_; }
    // The sheet named `wanted` (case-insensitively), read now; nullopt when there is none.
    std::optional<Sheet> sheet(const std::string& wanted) {
        for (std::size_t i = 0; i < names_.size(); ++i)
            if (lower(trim(names_[i])) == wanted) return read_sheet(names_[i], targets_[i]);
        return std::nullopt;
    }

private:
    Zip zip_;
    std::vector<std::string> names_, targets_;
    std::string shared_path_;
    std::optional<std::vector<std::string>> shared_;

    static std::string resolve(const std::string& target) {
        if (!target.empty() && target[0] == '/') return target.substr(1);
        std::string t = target;
        std::string base = "xl";
        while (t.rfind("../", 0) == 0) {
            t = t.substr(3);
            base = "";
        }
        return base.empty() ? t : base + "/" + t;
    }

    void read_workbook() {
        std::map<std::string, std::string> rels;  // rId -> zip path
        if (zip_.has("xl/_rels/workbook.xml.rels")) {
            Xml x(zip_.read("xl/_rels/workbook.xml.rels"), "xl/_rels/workbook.xml.rels");
            while (x.next())
                if (x.start("Relationship")) {
                    const std::string type = x.attr("Type"), target = resolve(x.attr("Target"));
                    rels[x.attr("Id")] = target;
                    if (type.size() >= 13 && type.compare(type.size() - 13, 13, "sharedStrings") == 0)
                        shared_path_ = target;
                }
        }
        Xml x(zip_.read("xl/workbook.xml"), "xl/workbook.xml");
        while (x.next())
            if (x.start("sheet")) {
                if (names_.size() >= 256) throw Fail{"(file)", "the workbook has more than 256 sheets"};
                const std::string rid = x.attr("id", kRelNs);
                auto it = rels.find(rid);
                names_.push_back(x.attr("name"));
                targets_.push_back(it == rels.end() ? "" : it->second);
            }
        if (shared_path_.empty() && zip_.has("xl/sharedStrings.xml")) shared_path_ = "xl/sharedStrings.xml";
    }

    const std::vector<std::string>& shared() {
        if (shared_) return *shared_;
        shared_.emplace();
        if (shared_path_.empty() || !zip_.has(shared_path_)) return *shared_;
        Xml x(zip_.read(shared_path_), shared_path_);
        std::string cur;
        bool in_si = false, in_rph = false;
        while (x.next()) {
            if (x.start("si") && !x.empty_element()) {
                in_si = true;
                cur.clear();
            } else if (x.start("si")) {
                shared_->push_back("");
            } else if (x.end("si")) {
                in_si = false;
                if (shared_->size() >= kMaxSharedStrings)
                    throw Fail{"(file)", "the workbook has more than " + std::to_string(kMaxSharedStrings) + " texts"};
                shared_->push_back(cur);
            } else if (x.start("rPh") && !x.empty_element()) {
                in_rph = true;  // phonetic hints (Japanese): not part of the text
            } else if (x.end("rPh")) {
                in_rph = false;
            } else if (in_si && !in_rph && x.start("t")) {
                cur += x.text_until_end("t");
            }
        }
        return *shared_;
    }

    Sheet read_sheet(const std::string& name, const std::string& target) {
        if (target.empty() || !zip_.has(target))
            throw Fail{"(file)", "sheet '" + name + "' is listed in the workbook but its data is missing"};
        Sheet sh;
        sh.name = name;
        Xml x(zip_.read(target), target);
        SheetRow row;
        int next_row = 1, next_col = 0;
        std::size_t cells = 0;
        bool in_row = false;
        auto finish_row = [&] {
            if (in_row && !row.cells.empty()) {
                if (sh.rows.size() >= kMaxXlsxRows)
                    throw Fail{trim(name) + " row " + std::to_string(row.number),
                               "more than " + std::to_string(kMaxXlsxRows) + " filled rows; a survey has at most " +
                                   std::to_string(kMaxQuestions) + " questions"};
                sh.rows.push_back(std::move(row));
            }
            row = {};
            in_row = false;
        };
        while (x.next()) {
            if (x.start("row")) {
                finish_row();
                in_row = true;
                const std::string r = x.attr("r");
                int n = 0;
                const auto* b = r.data();
                if (r.empty() || std::from_chars(b, b + r.size(), n).ptr != b + r.size() || n < 1 || n > kMaxRowNumber)
                    n = next_row;
                row.number = n;
                next_row = n + 1;
                next_col = 0;
                if (x.empty_element()) finish_row();
            } else if (x.end("row")) {
                finish_row();
            } else if (x.start("c") && in_row) {
                const std::string ref = x.attr("r"), t = x.attr("t");
                int col = ref.empty() ? next_col : column_of(ref);
                if (col < 0) col = next_col;
                next_col = col + 1;
                if (x.empty_element()) continue;
                Cell c;
                std::string v, inline_text, formula;
                bool has_formula = false;
                while (x.next() && !x.end("c")) {
                    if (x.start("v")) v = x.text_until_end("v");
                    else if (x.start("f")) {
                        has_formula = true;
                        formula = x.text_until_end("f");
                    } else if (x.start("t")) inline_text += x.text_until_end("t");
                }
                const std::string where = trim(name) + "!" + column_name(col) + std::to_string(row.number);
                if (t == "s") {
                    long long i = -1;
                    const auto* b = v.data();
                    const auto& ss = shared();
                    if (std::from_chars(b, b + v.size(), i).ptr != b + v.size() || i < 0 ||
                        static_cast<unsigned long long>(i) >= ss.size())
                        throw Fail{where, "refers to text number " + v.substr(0, 20) + ", but the workbook has only " +
                                              std::to_string(ss.size()) + " (the file is damaged)"};
                    c.text = ss[static_cast<std::size_t>(i)];
                } else if (t == "inlineStr") {
                    c.text = inline_text;
                } else if (t == "b") {
                    c.text = v == "1" ? "TRUE" : "FALSE";
                } else if (t == "e") {
                    c.kind = Cell::Error;
                    c.text = v;
                } else if (t == "d") {
                    c.kind = Cell::Date;
                    c.text = v;
                } else {  // n, str, or none
                    c.text = t == "str" ? v : number_text(v);
                }
                if (has_formula && c.kind == Cell::Text) {
                    c.kind = Cell::Formula;
                    c.text = "=" + formula.substr(0, 60);
                }
                if (c.kind != Cell::Text || !trim(c.text).empty()) {
                    if (++cells >= kMaxCells)
                        throw Fail{where, "more than " + std::to_string(kMaxCells) + " filled cells on the sheet; a "
                                          "survey has at most " + std::to_string(kMaxQuestions) + " questions"};
                    row.cells[col] = std::move(c);
                }
            }
        }
        finish_row();
        return sh;
    }
};

// ---- language columns ----------------------------------------------------------------------------------
struct NamedLanguage {
    const char* name;
    const char* code;
};
constexpr NamedLanguage kLanguageNames[] = {
    {"english", "en"}, {"gaelic", "gd"}, {"scottish gaelic", "gd"}, {"gàidhlig", "gd"}, {"polish", "pl"},
    {"polski", "pl"},  {"ukrainian", "uk"}, {"chinese", "zh-Hans"}, {"simplified chinese", "zh-Hans"},
    {"welsh", "cy"},   {"cymraeg", "cy"}, {"french", "fr"}, {"spanish", "es"}, {"german", "de"},
    {"italian", "it"}, {"portuguese", "pt"}, {"romanian", "ro"}, {"lithuanian", "lt"}, {"latvian", "lv"},
    {"russian", "ru"}, {"turkish", "tr"}, {"somali", "so"}, {"irish", "ga"}, {"dutch", "nl"}};

// "English (en)" -> "en"; "en" -> "en"; "English" -> "en"; "" when unknown.
std::string language_code(const std::string& raw) {
    const std::string s = trim(raw);
    const auto open = s.rfind('('), close = s.rfind(')');
    if (open != std::string::npos && close != std::string::npos && close > open)
        return trim(s.substr(open + 1, close - open - 1));
    const std::string l = lower(s);
    for (const auto& n : kLanguageNames)
        if (l == n.name) return n.code;
    bool code_like = !s.empty() && s.size() <= 12;
    for (char c : s) code_like = code_like && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
    return code_like ? s : "";
}

// A column header: "label::English (en)" -> {"label", "English (en)"}; "label:en"; "label".
std::pair<std::string, std::string> split_header(const std::string& h) {
    auto p = h.find("::");
    if (p != std::string::npos) return {lower(trim(h.substr(0, p))), trim(h.substr(p + 2))};
    p = h.find(':');
    if (p != std::string::npos) return {lower(trim(h.substr(0, p))), trim(h.substr(p + 1))};
    return {lower(trim(h)), ""};
}

struct Columns {
    std::map<std::string, int> plain;                    // "type" -> column
    std::map<std::string, std::map<std::string, int>> by_lang;  // "label" -> language code -> column
};

// ---- the conversion ------------------------------------------------------------------------------------
class Converter {
public:
    std::vector<SurveyProblem> problems;

    void add(const std::string& where, std::string what) {
        if (problems.size() < 100) problems.push_back({where, std::move(what)});
        else if (problems.size() == 100) problems.push_back({"(file)", "too many problems; the rest are not shown"});
    }

    std::string run(Workbook& wb, const std::string& file_name) {
        auto survey = wb.sheet("survey");
        if (!survey) {
            std::string names;
            for (const auto& n : wb.names()) names += (names.empty() ? "'" : ", '") + n + "'";
            add("(file)", "no 'survey' sheet (the workbook has " + (names.empty() ? std::string("no sheets") : names) +
                              "); an XLSForm needs sheets named survey and choices");
            return "";
        }
        auto choices = wb.sheet("choices");
        auto settings = wb.sheet("settings");

        // Settings: the first row under the header.
        std::string form_id, form_title, default_lang;
        long long version = 1;
        if (settings && !settings->rows.empty()) {
            const Columns& c = columns_of(*settings);
            const SheetRow* r = settings->rows.size() > 1 ? &settings->rows[1] : nullptr;
            auto get = [&](const char* key) { return r ? cell(*settings, *r, c, key) : std::string(); };
            form_id = lower(get("form_id"));
            form_title = get("form_title");
            default_lang = get("default_language");
            if (const std::string v = get("version"); !v.empty()) {
                const auto* b = v.data();
                if (std::from_chars(b, b + v.size(), version).ptr != b + v.size() || version < 1 || version > 2147483647)
                    add(where(*settings, *r, c, "version"), "version must be a whole number from 1 to 2147483647, not '" +
                                                                v.substr(0, 40) + "'");
            }
        }
        if (form_id.empty()) form_id = id_from_file(file_name);
        if (form_title.empty()) form_title = form_id;

        const Columns& sc = columns_of(*survey);
        for (const char* need : {"type", "name"})
            if (!sc.plain.count(need))
                add("survey row " + std::to_string(survey->rows.empty() ? 1 : survey->rows[0].number),
                    std::string("no '") + need + "' column (the first row holds the column names)");
        // Languages: the default first, then every other language a label or hint column names.
        std::vector<std::string> langs;
        if (!default_lang.empty()) {
            const std::string code = language_code(default_lang);
            if (code.empty()) add("settings", "default_language '" + default_lang + "': write it as Name (code), e.g. English (en)");
            else langs.push_back(code);
        }
        for (const auto* sh : {&*survey, choices ? &*choices : nullptr}) {
            if (!sh) continue;
            for (const auto& [key, m] : columns_of(*sh).by_lang)
                for (const auto& [code, col] : m)
                    if (!code.empty() && std::find(langs.begin(), langs.end(), code) == langs.end()) langs.push_back(code);
        }
        if (langs.empty()) langs.push_back("en");
        default_ = langs[0];
        // The plain column is the default language; label::<default> too: both at once is a duplicate.
        for (const auto* sh : {&*survey, choices ? &*choices : nullptr}) {
            if (!sh) continue;
            for (const auto& [key, m] : columns_of(*sh).by_lang)
                if (m.count("") && m.count(default_))
                    add(trim(sh->name) + "!" + column_name(m.at("")) + std::to_string(sh->rows[0].number),
                        "both '" + key + "' and '" + key + "::" + default_ + "' give the default language");
        }

        // Choices: list name -> [(name, label, row)].
        if (choices && !choices->rows.empty()) read_choices(*choices);

        ojson out;
        out["format"] = 1;
        out["id"] = form_id;
        out["version"] = version;
        out["title"] = form_title;
        out["languages"] = langs;
        out["questions"] = ojson::array();
        read_questions(*survey, sc, choices.has_value(), out["questions"]);
        return out.dump(2, ' ', false, ojson::error_handler_t::replace);
    }

    // Loader problems ("questions[3].prompt") moved to the row they came from.
    SurveyProblem locate(const SurveyProblem& p) const {
        if (p.where.rfind("questions[", 0) != 0) return p;
        std::size_t n = 0;
        const auto* b = p.where.data() + 10;
        const char* end = p.where.data() + p.where.size();
        const auto r = std::from_chars(b, end, n);
        if (r.ec != std::errc() || n >= rows_.size() || r.ptr == end || *r.ptr != ']') return p;
        std::string rest(r.ptr + 1, end);  // after "]"
        if (rest.rfind(".options[", 0) == 0) {
            std::size_t k = 0;
            const auto r2 = std::from_chars(rest.data() + 9, rest.data() + rest.size(), k);
            if (r2.ec == std::errc() && k < option_rows_[n].size())
                return {"choices row " + std::to_string(option_rows_[n][k]), "questions[" + std::to_string(n) + "]" + rest + ": " + p.what};
        }
        return {"survey row " + std::to_string(rows_[n]), "questions[" + std::to_string(n) + "]" + rest + ": " + p.what};
    }

private:
    struct Choice {
        std::string name;
        ojson label;
        int row = 0;
    };
    std::map<std::string, std::vector<Choice>> lists_;
    std::string default_;
    std::vector<int> rows_;                       // question index -> survey row
    std::vector<std::vector<int>> option_rows_;   // question index -> option index -> choices row
    RelevantContext ctx_;

    static std::string id_from_file(const std::string& file_name) {
        std::string stem = file_name;
        if (auto s = stem.find_last_of('/'); s != std::string::npos) stem = stem.substr(s + 1);
        if (auto d = stem.rfind('.'); d != std::string::npos && d > 0) stem = stem.substr(0, d);
        std::string id;
        for (char c : lower(stem)) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            if (ok) id += c;
            else if (!id.empty() && id.back() != '-') id += '-';
        }
        while (!id.empty() && id.back() == '-') id.pop_back();
        if (id.size() > 64) id.resize(64);
        return id.empty() ? "survey" : id;
    }

    std::map<std::string, Columns> column_cache_;
    const Columns& columns_of(const Sheet& sh) {
        auto it = column_cache_.find(sh.name);
        if (it == column_cache_.end()) it = column_cache_.emplace(sh.name, columns(sh)).first;
        return it->second;
    }

    Columns columns(const Sheet& sh) {
        Columns c;
        if (sh.rows.empty()) return c;
        const SheetRow& h = sh.rows[0];
        std::map<std::string, std::string> seen;  // normalised header -> cell
        for (const auto& [col, cell] : h.cells) {
            const std::string where = trim(sh.name) + "!" + column_name(col) + std::to_string(h.number);
            if (cell.kind != Cell::Text) continue;
            auto [key, lang] = split_header(cell.text);
            if (key == "list name") key = "list_name";
            std::string norm = key;
            if (key == "label" || key == "hint") {
                const std::string code = lang.empty() ? "" : language_code(lang);
                if (!lang.empty() && code.empty()) {
                    add(where, "language '" + lang + "' in '" + cell.text + "': write it as " + key + "::Name (code), e.g. " +
                                   key + "::English (en)");
                    continue;
                }
                norm = key + "::" + code;
                if (!seen.emplace(norm, where).second) {
                    add(where, "column '" + cell.text + "' appears twice (also " + seen[norm] + ")");
                    continue;
                }
                c.by_lang[key][code] = col;
                continue;
            }
            if (!lang.empty()) continue;  // other translated columns (media::image::en, ...): checked per row below
            if (!seen.emplace(norm, where).second) {
                add(where, "column '" + cell.text + "' appears twice (also " + seen[norm] + ")");
                continue;
            }
            c.plain[norm] = col;
        }
        return c;
    }

    static const Cell* raw(const SheetRow& r, int col) {
        auto it = r.cells.find(col);
        return it == r.cells.end() ? nullptr : &it->second;
    }
    std::string where(const Sheet& sh, const SheetRow& r, const Columns& c, const char* key) const {
        auto it = c.plain.find(key);
        return trim(sh.name) + (it == c.plain.end() ? " row " + std::to_string(r.number)
                                                    : "!" + column_name(it->second) + std::to_string(r.number));
    }
    // Text of a cell, trimmed; a formula, date or error where text belongs is a problem.
    std::string text_at(const Sheet& sh, const SheetRow& r, int col) {
        const Cell* x = raw(r, col);
        if (!x) return "";
        if (x->kind != Cell::Text) {
            const std::string where = trim(sh.name) + "!" + column_name(col) + std::to_string(r.number);
            add(where, x->kind == Cell::Formula ? "a formula (" + x->text + "); type the text itself"
                       : x->kind == Cell::Date  ? "a date, where text belongs"
                                                : "an error value (" + x->text + "), where text belongs");
            return "";
        }
        return trim(x->text);
    }
    std::string cell(const Sheet& sh, const SheetRow& r, const Columns& c, const char* key) {
        auto it = c.plain.find(key);
        return it == c.plain.end() ? "" : text_at(sh, r, it->second);
    }
    // Localised text from key / key::lang columns: a plain string when only the default is given.
    ojson local(const Sheet& sh, const SheetRow& r, const Columns& c, const char* key) {
        auto it = c.by_lang.find(key);
        if (it == c.by_lang.end()) return nullptr;
        ojson o = ojson::object();
        for (const auto& [code, col] : it->second) {
            std::string t = text_at(sh, r, col);
            if (!t.empty()) o[code.empty() ? default_ : code] = std::move(t);
        }
        if (o.empty()) return nullptr;
        if (o.size() == 1 && o.contains(default_)) return o[default_];
        return o;
    }

    void read_choices(const Sheet& sh) {
        const Columns& c = columns_of(sh);
        if (!c.plain.count("list_name") || !c.plain.count("name")) {
            add("choices row " + std::to_string(sh.rows[0].number), "needs columns 'list_name' and 'name'");
            return;
        }
        for (std::size_t i = 1; i < sh.rows.size(); ++i) {
            const SheetRow& r = sh.rows[i];
            const std::string list = cell(sh, r, c, "list_name");
            if (list.empty()) continue;
            Choice ch;
            ch.name = lower(cell(sh, r, c, "name"));
            ch.row = r.number;
            ch.label = local(sh, r, c, "label");
            if (ch.name.empty()) add(where(sh, r, c, "name"), "the choice has no name");
            for (const auto& [key, col] : c.plain)
                if ((key == "image" || key == "media::image" || key == "audio" || key == "video") && raw(r, col))
                    add(where(sh, r, c, key.c_str()), "choices with pictures or sound are not supported; give a label");
            lists_[list].push_back(std::move(ch));
        }
    }

    struct Group {
        std::string relevant;
        int row;
    };

    void read_questions(const Sheet& sh, const Columns& c, bool have_choices, ojson& out) {
        std::vector<Group> groups;
        for (std::size_t i = 1; i < sh.rows.size(); ++i) {
            const SheetRow& r = sh.rows[i];
            const std::string row = "survey row " + std::to_string(r.number);
            std::string type = lower(cell(sh, r, c, "type"));
            {  // "select one  from" -> "select one from"
                std::string t;
                for (char ch : type)
                    if (!(ch == ' ' && (t.empty() || t.back() == ' '))) t += ch;
                type = t;
            }
            const std::string relevant = cell(sh, r, c, "relevant");
            if (type.empty()) {
                if (!cell(sh, r, c, "name").empty()) add(where(sh, r, c, "type"), "the row has a name but no type");
                continue;
            }
            if (type == "begin group" || type == "begin_group") {
                groups.push_back({relevant, r.number});
                continue;
            }
            if (type == "end group" || type == "end_group") {
                if (groups.empty()) add(row, "'end group' without a 'begin group' before it");
                else groups.pop_back();
                continue;
            }
            for (const char* key : {"constraint", "calculation", "choice_filter", "repeat_count", "default",
                                    "read_only", "trigger", "image", "media::image", "audio", "video"})
                if (auto it = c.plain.find(key); it != c.plain.end() && raw(r, it->second))
                    add(where(sh, r, c, key), std::string("'") + key + "' is not supported by Engage" +
                                                  (std::string_view(key) == "constraint"
                                                       ? " (the kiosk checks answers by question type)"
                                                       : std::string_view(key) == "choice_filter"
                                                             ? " (use skip logic: relevant)"
                                                             : ""));
            ojson q;
            q["id"] = lower(cell(sh, r, c, "name"));
            std::string list;
            bool other = false;
            const std::string engage_type = question_type(type, row, list, other);
            if (engage_type.empty()) continue;
            q["type"] = engage_type;
            ojson prompt = local(sh, r, c, "label");
            if (prompt.is_null()) {
                add(row, "the question has no label");
                continue;
            }
            q["prompt"] = std::move(prompt);
            if (ojson hint = local(sh, r, c, "hint"); !hint.is_null()) q["help"] = std::move(hint);
            if (const std::string req = lower(cell(sh, r, c, "required")); !req.empty()) {
                if (req == "yes" || req == "true" || req == "true()" || req == "1") q["required"] = true;
                else if (req != "no" && req != "false" && req != "false()" && req != "0")
                    add(where(sh, r, c, "required"), "required must be yes or no (or true/false), not '" + req.substr(0, 40) + "'");
            }
            std::vector<int> opt_rows;
            const std::string appearance = lower(cell(sh, r, c, "appearance"));
            if (engage_type == "scale") {
                const std::string params = lower(cell(sh, r, c, "parameters"));
                if (!range_0_to_10(params))
                    add(where(sh, r, c, "parameters"), "range must have parameters start=0 end=10 step=1 (Engage's scale is "
                                                       "0 to 10), not '" + params.substr(0, 60) + "'");
            } else if (!list.empty()) {
                auto it = lists_.find(list);
                if (!have_choices) add(row, "'" + type + "' needs a choices sheet, and the workbook has none");
                else if (it == lists_.end()) add(row, "no choices with list_name '" + list + "' on the choices sheet");
                else {
                    const auto& opts = it->second;
                    const std::string qid = q["id"].get<std::string>();
                    static const char* agree_ids[] = {"agree", "unsure", "disagree"};
                    if (engage_type == "choice" && appearance.find("likert") != std::string::npos && opts.size() == 3 && !other)
                        q["type"] = "agree";
                    else if (engage_type == "choice" && appearance.find("smiley") != std::string::npos && !other) {
                        q["type"] = "smiley";
                        if (opts.size() != 5)
                            add(where(sh, r, c, "appearance"), "a smiley question needs exactly 5 choices (very unhappy "
                                                               "to very happy); '" + list + "' has " + std::to_string(opts.size()));
                    }
                    ojson options = ojson::array();
                    for (std::size_t k = 0; k < opts.size(); ++k) {
                        std::string id = opts[k].name;
                        if (q["type"] == "agree") id = agree_ids[k];
                        else if (q["type"] == "smiley" && k < 5) id = std::to_string(k + 1);
                        if (id != opts[k].name) ctx_.option[{qid, opts[k].name}] = id;
                        ojson o{{"id", id}};
                        if (!opts[k].label.is_null()) o["label"] = opts[k].label;
                        options.push_back(std::move(o));
                        opt_rows.push_back(opts[k].row);
                    }
                    q["options"] = std::move(options);
                    if (other) q["allow_other"] = true;
                }
            }
            // Skip logic: the groups' relevant and the row's own, all of them.
            ojson all = ojson::array();
            bool logic_ok = true;
            auto add_relevant = [&](const std::string& expr, int at) {
                if (expr.empty()) return;
                std::string why;
                auto si = relevant_to_show_if(expr, ctx_, why);
                if (!si) {
                    add(at == r.number ? where(sh, r, c, "relevant") : "survey row " + std::to_string(at),
                        "relevant '" + expr.substr(0, 80) + "': " + why);
                    logic_ok = false;
                } else if (si->contains("all")) {
                    for (auto& x : (*si)["all"]) all.push_back(std::move(x));
                } else {
                    all.push_back(std::move(*si));
                }
            };
            for (const auto& g : groups) add_relevant(g.relevant, g.row);
            add_relevant(relevant, r.number);
            if (logic_ok && all.size() == 1) q["show_if"] = std::move(all[0]);
            else if (logic_ok && all.size() > 1) q["show_if"] = ojson{{"all", std::move(all)}};

            if (const std::string id = q["id"].get<std::string>(); !id.empty()) {
                if (auto t = question_type_from_string(q["type"].get<std::string>())) ctx_.types[id] = *t;
            }
            rows_.push_back(r.number);
            option_rows_.push_back(std::move(opt_rows));
            out.push_back(std::move(q));
        }
        for (const auto& g : groups) add("survey row " + std::to_string(g.row), "'begin group' without an 'end group'");
    }

    static bool range_0_to_10(const std::string& params) {
        std::map<std::string, std::string> kv;
        std::size_t i = 0;
        while (i < params.size()) {
            while (i < params.size() && (params[i] == ' ' || params[i] == ';' || params[i] == ',')) ++i;
            const auto eq = params.find('=', i);
            if (eq == std::string::npos) break;
            auto end = params.find_first_of(" ;,", eq + 1);
            if (end == std::string::npos) end = params.size();
            kv[trim(params.substr(i, eq - i))] = trim(params.substr(eq + 1, end - eq - 1));
            i = end;
        }
        auto is = [&](const char* k, const char* v) {
            auto it = kv.find(k);
            return it != kv.end() && (it->second == v || it->second == std::string(v) + ".0");
        };
        return is("start", "0") && is("end", "10") && (kv.count("step") == 0 || is("step", "1"));
    }

    // The Engage type for an XLSForm type ("" after reporting a refusal); `list` gets the choice list.
    std::string question_type(const std::string& type, const std::string& row, std::string& list, bool& other) {
        auto words = [](const std::string& s) {
            std::vector<std::string> w;
            std::size_t i = 0;
            while (i < s.size()) {
                const auto e = s.find(' ', i);
                w.push_back(s.substr(i, e == std::string::npos ? std::string::npos : e - i));
                if (e == std::string::npos) break;
                i = e + 1;
            }
            return w;
        };
        const auto w = words(type);
        if ((w[0] == "select_one" || w[0] == "select_multiple") && (w.size() == 2 || (w.size() == 3 && w[2] == "or_other"))) {
            list = w[1];
            other = w.size() == 3;
            return w[0] == "select_one" ? "choice" : "multi";
        }
        // The older spellings: "select one from X", "select all that apply from X" [or specify other].
        const bool one = type.rfind("select one from ", 0) == 0, all = type.rfind("select all that apply from ", 0) == 0;
        if (one || all) {
            std::string rest = type.substr(one ? 16 : 27);
            const std::string tail = " or specify other";
            if (rest.size() > tail.size() && rest.compare(rest.size() - tail.size(), tail.size(), tail) == 0) {
                other = true;
                rest.resize(rest.size() - tail.size());
            }
            if (!rest.empty() && rest.find(' ') == std::string::npos) {
                list = rest;
                return one ? "choice" : "multi";
            }
        }
        if (type == "text") return "text";
        if (type == "note") return "note";
        if (type == "range") return "scale";
        std::string instead;
        const std::string& t0 = w[0];
        if (t0 == "begin_repeat" || type == "begin repeat" || t0 == "end_repeat" || type == "end repeat")
            instead = "repeats are not supported; ask the question once, or use select_multiple";
        else if (t0 == "calculate" || t0 == "hidden")
            instead = "calculations are not supported; Engage stores the answers as given";
        else if (t0 == "integer" || t0 == "decimal")
            instead = "number answers are not supported; use range (a 0-10 scale) or select_one with ranges as choices";
        else if (t0 == "date" || t0 == "time" || t0 == "datetime")
            instead = "dates and times are not asked; Engage records when each response was given";
        else if (t0 == "geopoint" || t0 == "geotrace" || t0 == "geoshape")
            instead = "locations are not recorded; ask for the area with select_one";
        else if (t0 == "image" || t0 == "audio" || t0 == "video" || t0 == "file" || t0 == "barcode" ||
                 t0 == "background-audio")
            instead = "photos, sound, files and barcodes are not taken; use text";
        else if (t0.rfind("select_one_from_file", 0) == 0 || t0.rfind("select_multiple_from_file", 0) == 0 ||
                 t0 == "select_one_external" || t0 == "select_multiple_external")
            instead = "external choices are not supported; put the choices on the choices sheet";
        else if (t0 == "rank")
            instead = "ranking is not supported; use select_multiple";
        else if (t0 == "acknowledge" || t0 == "trigger")
            instead = "use select_one with a yes choice";
        else if (t0 == "start" || t0 == "end" || t0 == "today" || t0 == "deviceid" || t0 == "username" ||
                 t0 == "phonenumber" || t0 == "email" || t0 == "audit" || t0 == "simserial" || t0 == "subscriberid" ||
                 t0 == "start-geopoint")
            instead = "metadata is not collected; Engage records the time, kiosk and session itself: delete the row";
        else if (t0 == "select_one" || t0 == "select_multiple" || t0.rfind("select", 0) == 0)
            instead = "write it as select_one LIST, select_multiple LIST (optionally followed by or_other), "
                      "select one from LIST or select all that apply from LIST";
        else
            instead = "Engage offers text, note, select_one (choice, likert: agree, smiley), select_multiple "
                      "and range 0-10 (scale)";
        add(row, "type '" + type.substr(0, 60) + "' is not supported: " + instead);
        return "";
    }
};

}  // namespace

XlsformImport import_xlsform(std::string_view xlsx, const std::string& file_name) {
    XlsformImport r;
    try {
        if (xlsx.empty()) throw Fail{"(file)", "empty file"};
        if (xlsx.size() > kMaxXlsxBytes) throw Fail{"(file)", "larger than 64 MiB"};
        Workbook wb(xlsx);
        Converter conv;
        std::string text = conv.run(wb, file_name);
        r.problems = std::move(conv.problems);
        if (!r.problems.empty()) return r;
        SurveyLoad load = parse_survey(text);
        for (const auto& p : load.problems) r.problems.push_back(conv.locate(p));
        if (r.problems.empty()) {
            r.json = std::move(text);
            r.survey = std::move(load.survey);
        }
    } catch (const Fail& f) {
        r.problems.push_back({f.where, f.what});
    } catch (const std::exception& e) {  // bad_alloc, json errors: reported, never thrown
        r.problems.push_back({"(file)", std::string("could not be read: ") + e.what()});
    }
    if (!r.problems.empty()) r.survey.reset();
    return r;
}

}  // namespace engage
