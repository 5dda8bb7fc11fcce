// XLSForm `relevant` expressions -> Engage show_if (docs/survey-format.md, "XLSForm"). The subset:
// ${q} = 'v', ${q} != 'v', selected(${q}, 'v'), numeric comparisons (= != < <= > >=) on smiley and scale
// questions, and, or, not(...) and parentheses. Anything else is refused with what was found.
#include <cctype>
#include <charconv>

#include "engage/xlsform.h"

namespace engage {
namespace {

using ojson = nlohmann::ordered_json;
constexpr int kMaxDepth = 16;  // parentheses and not(...) nested; show_if itself nests at most 32 JSON levels

struct Token {
    enum Kind { End, Ref, Str, Num, Word, Punct } kind = End;
    std::string text;
};

class Parser {
public:
    Parser(std::string_view s, const RelevantContext& ctx) : s_(s), ctx_(ctx) {}

    std::optional<ojson> parse(std::string& why) {
        if (s_.size() > kMaxSurveyStringBytes) return fail(why, "longer than 4000 bytes");
        next();
        auto r = disjunction(0);
        if (r && tok_.kind != Token::End) return fail(why, "unexpected '" + tok_.text + "'");
        if (!r) why = why_;
        return r;
    }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
    const RelevantContext& ctx_;
    Token tok_;
    std::string why_;

    static std::optional<ojson> fail(std::string& why, std::string what) {
        why = std::move(what);
        return std::nullopt;
    }
    std::optional<ojson> err(std::string what) {
        if (why_.empty()) why_ = std::move(what);
        return std::nullopt;
    }

    void next() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        tok_ = {};
        if (pos_ >= s_.size()) return;
        const char c = s_[pos_];
        if (c == '$' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{') {
            const auto end = s_.find('}', pos_);
            if (end == std::string_view::npos) {
                tok_ = {Token::Punct, "${"};
                pos_ = s_.size();
                return;
            }
            tok_ = {Token::Ref, std::string(s_.substr(pos_ + 2, end - pos_ - 2))};
            pos_ = end + 1;
        } else if (c == '\'' || c == '"') {
            const auto end = s_.find(c, pos_ + 1);
            if (end == std::string_view::npos) {
                tok_ = {Token::Punct, std::string(1, c)};
                pos_ = s_.size();
                return;
            }
            tok_ = {Token::Str, std::string(s_.substr(pos_ + 1, end - pos_ - 1))};
            pos_ = end + 1;
        } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && pos_ + 1 < s_.size() &&
                                                                 std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
            std::size_t e = pos_ + 1;
            while (e < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[e])) || s_[e] == '.')) ++e;
            tok_ = {Token::Num, std::string(s_.substr(pos_, e - pos_))};
            pos_ = e;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t e = pos_ + 1;
            while (e < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_' ||
                                     s_[e] == '-' || s_[e] == ':'))
                ++e;
            tok_ = {Token::Word, std::string(s_.substr(pos_, e - pos_))};
            pos_ = e;
        } else {
            static constexpr std::string_view two[] = {"!=", "<=", ">="};
            for (auto t : two)
                if (s_.substr(pos_, 2) == t) {
                    tok_ = {Token::Punct, std::string(t)};
                    pos_ += 2;
                    return;
                }
            tok_ = {Token::Punct, std::string(1, c)};
            ++pos_;
        }
    }
    bool is(Token::Kind k, std::string_view text) const { return tok_.kind == k && tok_.text == text; }
    bool expect(std::string_view p) {
        if (!is(Token::Punct, p)) {
            err("expected '" + std::string(p) + "'" + (tok_.kind == Token::End ? " at the end" : " before '" + tok_.text + "'"));
            return false;
        }
        next();
        return true;
    }

    // a or b or c -> {"any": [...]}; a and b -> {"all": [...]} (nested ones of the same kind flattened).
    std::optional<ojson> joined(int depth, bool any) {
        auto first = any ? conjunction(depth) : unary(depth);
        if (!first) return std::nullopt;
        const char* word = any ? "or" : "and";
        const char* key = any ? "any" : "all";
        if (!is(Token::Word, word)) return first;
        ojson items = ojson::array();
        auto push = [&](ojson x) {
            if (x.is_object() && x.size() == 1 && x.contains(key))
                for (auto& i : x[key]) items.push_back(std::move(i));
            else
                items.push_back(std::move(x));
        };
        push(std::move(*first));
        while (is(Token::Word, word)) {
            next();
            auto more = any ? conjunction(depth) : unary(depth);
            if (!more) return std::nullopt;
            push(std::move(*more));
        }
        return ojson{{key, std::move(items)}};
    }
    std::optional<ojson> disjunction(int depth) { return joined(depth, true); }
    std::optional<ojson> conjunction(int depth) { return joined(depth, false); }

    std::optional<ojson> unary(int depth) {
        if (depth > kMaxDepth) return err("nested more than " + std::to_string(kMaxDepth) + " levels deep");
        if (is(Token::Word, "not")) {
            next();
            if (!expect("(")) return std::nullopt;
            auto inner = disjunction(depth + 1);
            if (!inner || !expect(")")) return std::nullopt;
            return ojson{{"not", std::move(*inner)}};
        }
        if (is(Token::Punct, "(")) {
            next();
            auto inner = disjunction(depth + 1);
            if (!inner || !expect(")")) return std::nullopt;
            return inner;
        }
        if (is(Token::Word, "selected")) {
            next();
            if (!expect("(")) return std::nullopt;
            if (tok_.kind != Token::Ref) return err("selected(...) needs ${question} first");
            const std::string q = tok_.text;
            next();
            if (!expect(",")) return std::nullopt;
            if (tok_.kind != Token::Str && tok_.kind != Token::Num) return err("selected(...) needs a 'value' second");
            const std::string v = tok_.text;
            next();
            if (!expect(")")) return std::nullopt;
            return compare(q, "=", v, true);
        }
        if (tok_.kind == Token::Ref) {
            const std::string q = tok_.text;
            next();
            static constexpr std::string_view ops[] = {"=", "!=", "<", "<=", ">", ">="};
            std::string op;
            for (auto o : ops)
                if (is(Token::Punct, o)) op = o;
            if (op.empty())
                return err("expected a comparison (= != < <= > >=) after ${" + q + "}" +
                           (tok_.kind == Token::End ? "" : ", not '" + tok_.text + "'"));
            next();
            if (tok_.kind != Token::Str && tok_.kind != Token::Num)
                return err("${" + q + "} " + op + " needs a 'value' or a number after it" +
                           (tok_.kind == Token::End ? "" : ", not '" + tok_.text + "'"));
            const Token v = tok_;
            next();
            return compare(q, op, v.text, v.kind == Token::Str);
        }
        if (tok_.kind == Token::End) return err("ends too early");
        if (tok_.kind == Token::Word)
            return err("'" + tok_.text + "' is not supported (use ${question} = 'value', selected(), and, or, not())");
        return err("unexpected '" + tok_.text + "'");
    }

    std::optional<ojson> compare(const std::string& raw, const std::string& op, const std::string& value, bool quoted) {
        std::string q = raw;
        for (auto& c : q) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto t = ctx_.types.find(q);
        if (t == ctx_.types.end()) return err("${" + raw + "} is not an earlier question");
        if (t->second == QuestionType::Text) return err("${" + raw + "} is a text question; skip logic cannot use text");
        if (t->second == QuestionType::Note) return err("${" + raw + "} is a note; it has no answer");
        if (value.empty()) return err("comparing with '' (no answer) is not supported; Engage hides a question whose "
                                      "earlier question is unanswered");
        const bool numeric = t->second == QuestionType::Smiley || t->second == QuestionType::Scale;
        long long n = 0;
        const auto* b = value.data();
        const bool whole = std::from_chars(b, b + value.size(), n).ptr == b + value.size() && n > -1000 && n < 1000;
        ojson leaf{{"question", q}};
        if (op == "=" || op == "!=") {
            if (numeric) {
                if (!whole) return err("${" + raw + "} is a number question: compare it with a whole number, not '" + value + "'");
                if (t->second == QuestionType::Smiley) {
                    auto it = ctx_.option.find({q, value});
                    leaf["is"] = ojson::array({it == ctx_.option.end() ? value : it->second});
                } else {
                    leaf["is"] = ojson::array({n});
                }
            } else {
                std::string v = value;
                for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                auto it = ctx_.option.find({q, v});
                leaf["is"] = ojson::array({it == ctx_.option.end() ? v : it->second});
            }
            (void)quoted;
            if (op == "!=") return ojson{{"not", std::move(leaf)}};
            return leaf;
        }
        if (!numeric)
            return err("'" + op + "' needs a smiley or range (scale) question; ${" + raw + "} is " + to_string(t->second));
        if (!whole) return err("${" + raw + "} " + op + " needs a whole number, not '" + value + "'");
        if (op == ">") leaf["at_least"] = n + 1;
        else if (op == ">=") leaf["at_least"] = n;
        else if (op == "<") leaf["at_most"] = n - 1;
        else leaf["at_most"] = n;
        return leaf;
    }
};

}  // namespace

std::optional<nlohmann::ordered_json> relevant_to_show_if(std::string_view expr, const RelevantContext& ctx,
                                                          std::string& why) {
    return Parser(expr, ctx).parse(why);
}

}  // namespace engage
