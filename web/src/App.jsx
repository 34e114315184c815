// The app: sign-in gate, sidebar, and the open conversation (its id lives in the URL).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ChatInterface } from "./components/ChatInterface.jsx";
import { Sidebar } from "./components/Sidebar.jsx";
import { SignIn } from "./components/SignIn.jsx";
import { config } from "./config.js";
import { useChat } from "./hooks/useChat.js";
import { useConversations } from "./hooks/useConversations.js";
import { auth } from "./services/auth.js";
import { createChatApi } from "./services/chat_api.js";

const idFromUrl = () => new URLSearchParams(window.location.search).get("c");

function setUrl(conversationId, replace = false) {
  const url = conversationId ? `/?c=${encodeURIComponent(conversationId)}` : "/";
  window.history[replace ? "replaceState" : "pushState"]({}, "", url);
}

function SignedIn({ user, setUser }) {
  const token = useRef(user.token);
  token.current = user.token;
  const api = useMemo(
    () =>
      createChatApi({
        baseUrl: config.apiUrl,
        getToken: () => token.current,
        renewToken: async () => {
          const renewed = await auth.renew();
          if (renewed) {
            token.current = renewed.token;
            setUser(renewed);
          }
          return renewed;
        },
      }),
    // The api object lives as long as the signed-in user.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [user.sub],
  );
  const [conversationId, setConversationId] = useState(idFromUrl);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [agents, setAgents] = useState([]);
  const [agentType, setAgentType] = useState("");
  const conversations = useConversations(api);

  useEffect(() => {
    const onPop = () => setConversationId(idFromUrl());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  useEffect(() => {
    api
      .agents()
      .then((body) => {
        setAgents(body.items);
        setAgentType(body.items.find((a) => a.default)?.name || body.items[0]?.name || "");
      })
      .catch(() => setAgents([]));
  }, [api]);

  const chat = useChat({
    api,
    conversationId,
    onConversationStarted: useCallback((id) => {
      setConversationId(id);
      setUrl(id);
    }, []),
    onActivity: conversations.refresh,
    onSignedOut: useCallback(() => setUser(null), [setUser]),
  });

  const open = (id) => {
    setConversationId(id);
    setUrl(id);
    setSidebarOpen(false);
  };
  const startNew = () => {
    setConversationId(null);
    setUrl(null);
    setSidebarOpen(false);
  };
  const remove = async (id) => {
    await conversations.remove(id);
    if (id === conversationId) startNew();
  };

  return (
    <div className="layout">
      <Sidebar
        conversations={{ ...conversations, remove }}
        selectedId={conversationId}
        open={sidebarOpen}
        onClose={() => setSidebarOpen(false)}
        onOpen={open}
        onNew={startNew}
        user={user}
        onSignOut={async () => {
          await auth.signOut();
          setUser(null);
        }}
      />
      <ChatInterface
        chat={chat}
        agents={agents}
        agentType={agentType}
        onAgentTypeChange={setAgentType}
        onOpenSidebar={() => setSidebarOpen(true)}
      />
    </div>
  );
}

export function App() {
  const [user, setUser] = useState(undefined);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    auth.restore().then(setUser, () => setUser(null));
  }, []);
  if (user === undefined) return <p className="status">Loading…</p>;
  if (!user) {
    return (
      <SignIn
        problem={problem}
        onSignIn={async (name) => {
          try {
            setUser(await auth.signIn(name));
            setProblem(null);
          } catch (failure) {
            setProblem(failure.message);
          }
        }}
      />
    );
  }
  return <SignedIn user={user} setUser={setUser} />;
}
