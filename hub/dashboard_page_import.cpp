// The Import page (GET and POST /dashboard/import): a USB bundle from the browser, as `engage-hub import`.
#include "dashboard_app.h"
#include "engage/bundle.h"
#include "engage/storage.h"
#include "import.h"
#include "server.h"

namespace engage::hub::dash {

// A multipart upload: the form's CSRF token and the file in `field` (at most `max` bytes: past that, too_big and
// the rest is not read).
Dashboard::Upload Dashboard::read_upload(const http::ContentReader& reader, const std::string& field, std::size_t max) {
    Upload u;
    std::string current;
    reader(
        [&](const http::MultipartHeader& part) {
            current = part.name;
            if (current == field) u.file_name = part.filename;
            return true;
        },
        [&](const char* data, std::size_t n) {
            if (current == "csrf" && u.csrf.size() + n <= 256) u.csrf.append(data, n);
            if (current == field) {
                if (u.bytes.size() + n > max) u.too_big = true;
                else u.bytes.append(data, n);
            }
            return !u.too_big;
        });
    return u;
}

// ---- USB bundles: the same import as `engage-hub import`, from the browser -------------------------------------
std::string Dashboard::import_form(Ctx& c, const http::Request&) {
    Data d;
    d.set("form", yes(true));
    d.set("csrf", c.csrf);
    return page(c, "Import a USB bundle", "/dashboard/import", templates_->render("import", d));
}

void Dashboard::import_post(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
    try {
        auto s = session_of(req);
        if (!s) return redirect(res, "/login");
        if (!req.is_multipart_form_data())
            return send_html(res, 400, shell("Not accepted", s->user, s->csrf, refusal("no_file")));
        const Upload up = read_upload(reader, "bundle", kBundleMaxBytes);
        const std::string &bytes = up.bytes, &file_name = up.file_name;
        const bool too_big = up.too_big;
        if (!same_secret(up.csrf, s->csrf)) return forbidden(res);
        Data d;
        int status = 200;
        if (too_big) {
            status = 413;
            d.set("too_big", yes(true));
        } else {
            const ImportOutcome r = import_bundle(store_, bytes);
            log_("dashboard import user=" + one_line(s->user, 64) + " file=" + one_line(file_name, 80) + " " +
                 (r.ok ? "stored " + std::to_string(r.counts.stored) + ", already held " + std::to_string(r.counts.duplicate) +
                             ", conflicts " + std::to_string(r.counts.conflict) + ", invalid " + std::to_string(r.counts.invalid)
                       : "refused: " + one_line(r.error, 200)));
            d.set("file", file_name);
            if (!r.ok) {
                status = 422;
                d.set("refused", yes(true));
                d.set("error", r.error);
            } else {
                d.set("imported", yes(true));
                d.set("kiosk", r.kiosk.name);
                d.set("stored", std::to_string(r.counts.stored));
                d.set("duplicate", std::to_string(r.counts.duplicate));
                if (r.counts.conflict) d.set("conflict", std::to_string(r.counts.conflict));
                if (r.counts.invalid) d.set("invalid", std::to_string(r.counts.invalid));
            }
        }
        send_html(res, status, shell("Import a USB bundle", s->user, s->csrf, templates_->render("import", d)));
    } catch (const DbError& e) {
        db_error(res, e, "Nothing was stored.");
    }
}

}  // namespace engage::hub::dash
