package slack_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// fileUpload is a file the bot uploaded to the fake with the files.upload
// v2 flow, as each of the three steps saw it.
type fileUpload struct {
	ID       string
	Filename string // files.getUploadURLExternal
	Length   int    // the length the bot announced
	AltText  string
	Data     []byte // the upload POST
	Uploaded bool
	Title    string // files.completeUploadExternal
	Channel  string // channel_id: where the file was shared
	Shared   bool
}

// fakeFiles serves the files.upload v2 flow on the fake's own host (slack-go
// refuses to send the token to an upload URL on any other host):
// files.getUploadURLExternal hands out /upload/<file id>, the POST there
// stores the bytes, files.completeUploadExternal shares them in a channel.
// Its calls are recorded with the fake's other calls, and failNext works on
// "files.getUploadURLExternal", "upload" and "files.completeUploadExternal".
type fakeFiles struct {
	f     *fakeSlack
	mu    sync.Mutex
	files map[string]*fileUpload
	seq   int
}

// serveFiles adds the file upload methods to f (slacktest serves none).
func serveFiles(f *fakeSlack) *fakeFiles {
	ff := &fakeFiles{f: f, files: map[string]*fileUpload{}}
	f.srv.Handle("/files.getUploadURLExternal", f.handler("files.getUploadURLExternal", ff.uploadURL))
	f.srv.Handle("/files.completeUploadExternal", f.handler("files.completeUploadExternal", ff.complete))
	f.srv.Handle("/upload/", ff.upload)
	return ff
}

// Shared returns the files shared in channels, in the order shared.
func (ff *fakeFiles) Shared() []fileUpload {
	ff.mu.Lock()
	defer ff.mu.Unlock()
	var out []fileUpload
	for i := 1; i <= ff.seq; i++ {
		if u := ff.files[fileID(i)]; u != nil && u.Shared {
			c := *u
			c.Data = bytes.Clone(u.Data)
			out = append(out, c)
		}
	}
	return out
}

func fileID(n int) string { return "F0FILE" + strconv.Itoa(n) }

func (ff *fakeFiles) uploadURL(_ http.ResponseWriter, c call) any {
	if token(c) != botToken {
		return notOK("invalid_auth")
	}
	n, err := strconv.Atoi(c.Form.Get("length"))
	if err != nil || n <= 0 || c.Form.Get("filename") == "" {
		return notOK("invalid_arguments")
	}
	ff.mu.Lock()
	defer ff.mu.Unlock()
	ff.seq++
	u := &fileUpload{ID: fileID(ff.seq), Filename: c.Form.Get("filename"), Length: n, AltText: c.Form.Get("alt_txt")}
	ff.files[u.ID] = u
	return okWith("upload_url", ff.f.srv.GetAPIURL()+"upload/"+u.ID, "file_id", u.ID)
}

// upload reads the multipart POST, then lets the fake's usual handler
// record the call (or answer with a queued failure, in which case the
// bytes are dropped as Slack would).
func (ff *fakeFiles) upload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	data, part := multipartFile(r.Header.Get("Content-Type"), body)
	ff.f.handler("upload", func(w http.ResponseWriter, _ call) any {
		ff.mu.Lock()
		defer ff.mu.Unlock()
		u := ff.files[id]
		switch {
		case auth != botToken:
			w.WriteHeader(http.StatusForbidden)
		case u == nil || part != "file":
			w.WriteHeader(http.StatusNotFound)
		default:
			u.Data, u.Uploaded = data, true
		}
		return "OK - " + strconv.Itoa(len(data))
	})(w, r)
}

// multipartFile is the first file part of a multipart body, and the name
// of its form field.
func multipartFile(ctype string, body []byte) ([]byte, string) {
	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return nil, ""
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, ""
		}
		if p.FileName() != "" {
			data, _ := io.ReadAll(p)
			return data, p.FormName()
		}
	}
}

func (ff *fakeFiles) complete(_ http.ResponseWriter, c call) any {
	if token(c) != botToken {
		return notOK("invalid_auth")
	}
	var files []struct{ ID, Title string }
	if err := json.Unmarshal([]byte(c.Form.Get("files")), &files); err != nil || len(files) == 0 {
		return notOK("invalid_arguments")
	}
	ch := c.Form.Get("channel_id")
	ff.mu.Lock()
	defer ff.mu.Unlock()
	var out []map[string]any
	for _, fl := range files {
		u := ff.files[fl.ID]
		if u == nil || !u.Uploaded {
			return notOK("file_not_found")
		}
		if len(u.Data) != u.Length {
			return notOK("file_upload_size_mismatch")
		}
		u.Title, u.Channel, u.Shared = fl.Title, ch, ch != ""
		out = append(out, map[string]any{"id": u.ID, "title": u.Title})
	}
	return okWith("files", out)
}
