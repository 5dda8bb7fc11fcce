// Export cells for shapes the record-by-record Python export test does not send: a single choice's Other with
// its words (allow_other) gets the id in the question's column and the words in "question:other".
#include <catch2/catch.hpp>
#include <sstream>

#include "engage/survey.h"
#include "export.h"

using namespace engage;
using namespace engage::hub;

namespace {

RecordRow row(const std::string& uuid, const std::string& answers) {
    RecordRow r;
    r.kiosk_name = "Hall";
    r.uuid = uuid;
    r.survey_id = "o";
    r.survey_version = 1;
    r.created_utc = "2026-11-22T10:00:00Z";
    r.language = "en";
    r.answers = answers;
    return r;
}

}  // namespace

TEST_CASE("CSV: a single choice's Other puts the id in its column and the words in question:other") {
    auto l = parse_survey(R"({"format": 1, "id": "o", "version": 1, "title": "T", "languages": ["en"],
      "questions": [{"id": "heard", "type": "choice", "prompt": "Heard how?", "allow_other": true,
                     "options": [{"id": "radio", "label": "Radio"}, {"id": "friend", "label": "A friend"}]}]})");
    REQUIRE(l.ok());
    ExportSurveys surveys;
    surveys.add(*l.survey);
    std::ostringstream out;
    ExportReport rep;
    ExportOptions o;
    write_export(out, {row("u1", R"({"heard":"radio"})"), row("u2", R"({"heard":{"selected":["other"],"other":"=A poster"}})")},
                 surveys, o, rep);
    const std::string csv = out.str();
    CHECK(rep.rows == 2);
    CHECK(csv.find(",survey_version,heard,heard:other\r\n") != std::string::npos);
    CHECK(csv.find(",o,1,radio,\r\n") != std::string::npos);
    CHECK(csv.find(",o,1,other,'=A poster\r\n") != std::string::npos);  // neutralised, as every cell
}
