// The sync pass's published-surveys step: GET /v1/surveys with the ETag of the list last applied; a 200 reply goes
// to apply_survey_list (engage/published.h), which checks and stores each survey. docs/sync-protocol.md,
// "Published surveys". A failure here is logged and reported; it never changes what the batches achieved.
#include <filesystem>

#include "engage/log.h"
#include "engage/published.h"
#include "engage/sync.h"

namespace engage {

HttpResponse Transport::get(const std::string&, const std::string&, const std::string&, const std::function<bool()>&) {
    HttpResponse r;
    r.error = "this transport cannot fetch";
    return r;
}

void SyncEngine::fetch_published_surveys(PassOutcome& out, const std::function<bool()>& cancelled) {
    auto& sv = out.surveys;
    try {
        const std::string data_dir = std::filesystem::path(store_.path()).parent_path().string();
        const std::string etag = store_.setting(kSettingSurveysEtag).value_or("");
        const HttpResponse r = transport_.get(settings_.hub_url + "/v1/surveys", settings_.token, etag, cancelled);
        if (!r.error.empty()) {
            sv.error = r.error;
        } else if (r.status == 304) {
            sv.unchanged = true;
        } else if (r.status == 404) {
            sv.error = "the hub does not publish surveys (an older engage-hub)";
        } else if (r.status != 200) {
            sv.error = "the hub answered HTTP " + std::to_string(r.status) + " for the published surveys";
        } else {
            const SurveyListResult a = apply_survey_list(store_, data_dir, r.body);
            if (!a.ok) {
                sv.error = "the list of published surveys was refused: " + a.error;
            } else {
                sv.fetched = true;
                sv.added = a.added;
                sv.removed = a.removed;
                sv.problems = a.problems;
                sv.switch_to = a.switch_to;
                // Kept only when everything was written: otherwise the next pass fetches the whole list again.
                if (!a.retry && !r.etag.empty()) store_.set_setting(kSettingSurveysEtag, r.etag);
            }
        }
    } catch (const std::exception& e) {  // the settings table
        sv.error = e.what();
    }
    if (!sv.error.empty()) log_warn("Published surveys: " + sv.error);
}

}  // namespace engage
