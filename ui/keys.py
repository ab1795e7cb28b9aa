"""Session-state key names, in one place (pages never spell a key as a bare string)."""

# -- app frame ------------------------------------------------------------------------------------
NONCE = "session_nonce"  # per-browser-session salt for idempotency keys
SIGN_IN = "sign_in"  # prefix: the sign-in screen's button per provider (ui/access.py)
SIGN_OUT = "sign_out"  # the sidebar's "Sign out"
LANGUAGE = "language"  # the language this run speaks (ui/language.py)
LANGUAGE_CHOSEN = "language_chosen"  # the person's own choice in the sidebar, if any
LANGUAGE_PICKER = "language_picker"  # the sidebar's language switch
LANGUAGE_OF = "language_of"  # whose remembered language this session has read (a person's id)

# -- the team's prices and limits (ui/team_settings.py; saved in the database, not here) ---------
SETTINGS_PENDING = "settings_pending"  # the PendingSave waiting for its confirmation dialog
SETTINGS_MESSAGE = "settings_message"  # (page, kind, sentence) after a save, shown once
SETTINGS_YES = "settings_yes"
SETTINGS_NO = "settings_no"

# -- the cost check before any spending (ui/spend.py) ------------------------------------------
SPEND_ASKING = "spend_asking"  # the action (a key) whose cost dialog is open
SPEND_CONFIRMED = "spend_confirmed"  # the action the person confirmed: send it on this run
SPEND_YES = "spend_yes"
SPEND_NO = "spend_no"

# -- submit page ----------------------------------------------------------------------------------
SUBMIT_SAMPLE = "submit_sample"  # the "Try the sample media" button
SUBMIT_MODE = {"video": "submit_video_mode", "audio": "submit_audio_mode"}  # link or file
SUBMIT_URL = {"video": "submit_video_url", "audio": "submit_audio_url"}
SUBMIT_UPLOAD = {"video": "submit_video_upload", "audio": "submit_audio_upload"}
SUBMIT_FILE = {"video": "submit_video_file", "audio": "submit_audio_file"}  # saved LocalFile
# (uploader file id, sentence) of the last upload refused as not media, so it is not read again
SUBMIT_REFUSED = {"video": "submit_video_refused", "audio": "submit_audio_refused"}
SUBMIT_TITLE = "submit_title"
SUBMIT_SYNC_MODE = "submit_sync_mode"
SUBMIT_PRIME_ROUTE = "submit_prime_route"  # register / direct (v2) / a registered video
SUBMIT_REGISTERED_VIDEO = "submit_registered_video"
# The team settings editor's widgets on this page (filled from the team's saved values).
SUBMIT_CURRENCY = "submit_currency"
SUBMIT_PTC_RATE = "submit_ptc_rate"  # the price of one 302.ai PTC in the currency
SUBMIT_CREDIT_RATE = "submit_credit_rate"  # the price of one AusyncLab credit
SUBMIT_TWINSYNC_PRICE = "submit_twinsync_price"  # the team's TwinSync price per audio second
SUBMIT_THRESHOLD = "submit_threshold"  # confirm above this total, in the currency
SUBMIT_CREDIT_THRESHOLD = "submit_credit_threshold"  # confirm above this many AusyncLab credits
SUBMIT_SETTINGS_SAVE = "submit_settings_save"  # the editor's "Save for the whole team"
SUBMIT_SETTINGS_BASE = "submit_settings_base"  # (version, values) the widgets were filled from
SUBMIT_BUTTON = "submit_button"
SUBMIT_SENT = "submit_sent"  # (submission key, job ids) of the last submission
SUBMIT_AGAIN = "submit_again"  # "send the same again as new jobs": a new nonce, and send
SUBMIT_KLING_AUTO = "submit_kling_auto"  # use Kling's face at once when it finds only one
SUBMIT_KLING_TRIED = "submit_kling_tried"  # job id -> refusal (or None) of the automatic choice
SUBMIT_KLING_SHOWN = "submit_kling_shown"  # Kling job ids whose face panel was brought into view
SUBMIT_COMPARE_ALL = "submit_compare_all"  # "compare every provider on the sample"
SUBMIT_ASK_NOW = "submit_ask_now"  # "ask" or "send": the form is sent (or asked) on this run


def submit_target(provider: str, model: str) -> str:
    """The checkbox choosing one provider/model on the submit page."""
    return f"submit_target_{provider}_{model}"


def kept(widget_key: str) -> str:
    """The plain session key keeping a Submit widget's value across page switches."""
    return f"kept_{widget_key}"


def face_choice(job_id: str, part: str) -> str:
    """A widget of the Kling face choice of one job (``part``: face, trim, insert, ...)."""
    return f"face_{job_id}_{part}"


# -- status page ----------------------------------------------------------------------------------
STATUS_PROVIDERS = "status_providers"
STATUS_STATES = "status_states"
STATUS_WHOSE = "status_whose"  # mine or everyone's (with sign-in only)
STATUS_SINCE = "status_since"
STATUS_UNTIL = "status_until"
STATUS_PAGE_SIZE = "status_page_size"
STATUS_PAGE = "status_page"
STATUS_WORKING_SEEN = "status_working_seen"  # ids of jobs last seen queued or running
STATUS_REMOVING = "status_removing"  # the job id waiting for the removal dialog
STATUS_REMOVE_YES = "status_remove_yes"
STATUS_REMOVE_NO = "status_remove_no"
STATUS_MESSAGE = "status_message"  # (kind, sentence) to show once after an action


def card_action(job_id: str, action: str) -> str:
    """A button on one job's card (``action``: again, remove, download)."""
    return f"card_{action}_{job_id}"


# -- compare page ---------------------------------------------------------------------------------
# The team settings editor's widgets on this page (filled from the team's saved values).
COMPARE_CURRENCY = "compare_currency"
COMPARE_PTC_RATE = "compare_ptc_rate"  # the price of one 302.ai PTC in the currency
COMPARE_CREDIT_RATE = "compare_credit_rate"  # the price of one AusyncLab credit
COMPARE_TWINSYNC_PRICE = "compare_twinsync_price"  # the team's TwinSync price per audio second
COMPARE_SETTINGS_SAVE = "compare_settings_save"  # the editor's "Save for the whole team"
COMPARE_SETTINGS_BASE = "compare_settings_base"  # (version, values) the widgets were filled from
COMPARE_RATES_RESET = "compare_rates_reset"  # fills the editor with the defaults
COMPARE_DURATION = "compare_duration"  # "estimate for my file": seconds typed in
COMPARE_FILE = "compare_file"  # "estimate for my file": the uploaded file
COMPARE_FILE_SECONDS = "compare_file_seconds"  # probed lengths by upload id
COMPARE_LOG_SCALE = "compare_log_scale"  # the price chart on a logarithmic scale
COMPARE_WINDOW = "compare_window"  # how far back the measured statistics look
COMPARE_SANDBOX = "compare_sandbox"  # show the sandbox's statistics instead of the live ones
COMPARE_QUALITY_MEASURE = "compare_quality_measure"  # the lip-sync figure charted against cost
COMPARE_GROUP = "compare_group"  # the comparison group shown side by side
COMPARE_FAVOURITE = "compare_favourite"  # prefix: "mark as favourite" button per job
COMPARE_PLAYERS = "compare_players"  # the container of the side-by-side players
COMPARE_PLAY_ALL = "compare_play_all"  # the play-together control of Side by side
COMPARE_STATS_CSV = "compare_stats_csv"
COMPARE_JOBS_CSV = "compare_jobs_csv"
# The blind test (ui/compare/blind.py)
BLIND_PAIR = "blind_pair"  # (group id, job id shown as A, job id shown as B) being judged
BLIND_VOTED = "blind_voted"  # the Winner picked for that pair: its providers are shown
BLIND_PASSED = "blind_passed"  # pairs skipped in this session (frozensets of two job ids)
BLIND_MESSAGE = "blind_message"  # a vote that could not be counted, said once
BLIND_PLAYERS = "blind_players"  # the container of the two players, found by "play both"
BLIND_PLAY_BOTH = "blind_play_both"  # the play-together control
BLIND_NEXT = "blind_next"
BLIND_SKIP = "blind_skip"


def blind_vote(winner: str) -> str:
    """A vote button of the blind test (``winner``: left, tie, right)."""
    return f"blind_vote_{winner}"


# -- AusyncLab library page -----------------------------------------------------------------------
LIBRARY_FLASH = "library_flash"  # messages from the last action, shown for a while
LIBRARY_BUSY = "library_busy"  # some row is PENDING/PROCESSING: the lists refresh themselves
LIBRARY_PENDING_DELETE = "library_pending_delete"  # (shelf, id, name) awaiting confirmation
LIBRARY_DETAILS = "library_details"  # (shelf, id) whose details are open
LIBRARY_PLAYING = "library_playing"  # id of the generated video playing
LIBRARY_PENDING_GENERATION = "library_pending_generation"  # checked, waiting for the cost dialog
LIBRARY_FORM_ROUND = "library_form_round"  # form name -> how often it was emptied after a success
# Widget keys; those with a shelf end in "_registered" or "_generated".
LIBRARY_SEARCH = "library_search"
LIBRARY_STATES = "library_states"
LIBRARY_CHOICE = "library_choice"
LIBRARY_DETAILS_BUTTON = "library_details_button"
LIBRARY_PLAY_BUTTON = "library_play_button"
LIBRARY_DELETE_BUTTON = "library_delete_button"
LIBRARY_CLOSE_BUTTON = "library_close_button"
LIBRARY_CONFIRM_BUTTON = "library_confirm_button"
LIBRARY_CANCEL_BUTTON = "library_cancel_button"
LIBRARY_NEW_URL = "library_new_url"
LIBRARY_NEW_FILE = "library_new_file"
LIBRARY_NEW_NAME = "library_new_name"
LIBRARY_NEW_SUBMIT = "library_new_submit"
LIBRARY_AUDIO_URL = "library_audio_url"
LIBRARY_AUDIO_FILE = "library_audio_file"
LIBRARY_GENERATE_NAME = "library_generate_name"
LIBRARY_GENERATE_SUBMIT = "library_generate_submit"
LIBRARY_TAB = "library_tab"  # the open tab's title: kept when the page reruns
LIBRARY_REGISTER_PANEL = "library_register_panel"  # the "Register a new video" panel is open
LIBRARY_NEW_SAMPLE = "library_new_sample"  # register the shipped sample video
LIBRARY_DOWNLOAD = "library_download"
